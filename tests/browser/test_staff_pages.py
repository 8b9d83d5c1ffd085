"""The firm's path through its pages, in Chromium: open a client, create a mission with one
price changed, preview the letter, generate it into a private folder, move it ("Déplacer"),
send it for signature and watch the status change live as the signers sign."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Visit
from tests.browser.test_staff_sign_in import sign_in
from tests.e2e.stack import Api, Stack, wait_for

NBSP, NNBSP = "\u00a0", "\u202f"


def euros(text: str) -> str:
    """`1 234,50 €` as the pages print it (narrow no-break spaces between thousands)."""
    number = text.removesuffix(" €").replace(" ", NNBSP)
    return f"{number}{NBSP}€"


def new_client(stack: Stack, name: str) -> dict[str, Any]:
    """A client of the demo firm of its own, so that each test sees only its missions."""
    staff = Api(stack.api, stack.demo["staff_token"])
    client: dict[str, Any] = staff.post(
        "/v1/clients",
        {
            "name": name,
            "legal_form": "SARL",
            "siren": "552100554",
            "address": "3 place du Marché, 69001 Lyon",
            "activity": "Pâtisserie",
            "representatives": [
                {
                    "first_name": "Lucie",
                    "last_name": "Fontaine",
                    "title": "Gérante",
                    "email": f"lucie-{secrets.token_hex(3)}@patisserie.example",
                }
            ],
        },
        expect=201,
    )
    return client


def signed_in(visit: Visit, stack: Stack) -> Page:
    page = visit.page
    page.goto("/app/sign-in")
    sign_in(visit, stack.demo["staff_email"], stack.demo["staff_password"])
    expect(page).to_have_url(re.compile(r"/app/$"))
    return page


def open_client(visit: Visit, name: str) -> Page:
    page = visit.page
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Clients"
    ).click()
    page.get_by_label("Rechercher un client").fill(name[:12])
    page.get_by_role("button", name="Rechercher").click()
    visit.shot("clients-search")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Prestations", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    return page


def create_mission(visit: Visit, mission_name: str) -> str:
    """From the client's Prestations tab: two services, the first one's price changed."""
    page = visit.page
    page.get_by_role("link", name="Créer la mission").click()
    page.get_by_label("Nom de la mission").fill(mission_name)
    page.get_by_label("Début de la période").fill("2026-01-01")
    page.get_by_label("Fin de la période").fill("2026-12-31")
    page.get_by_label("Fréquence de facturation").select_option(label="Mensuelle")
    # The demo catalogue: Tenue de la comptabilité 250 € a month, Déclarations de TVA 90 € a
    # quarter, Comptes annuels 1 800 € a year.
    page.get_by_label("Tenue de la comptabilité", exact=True).check()
    page.get_by_label("Déclarations de TVA", exact=True).check()
    totals = page.get_by_role("table", name="Totaux (aperçu)")
    # 250 × 12 + 90 × 4 = 3 360 € excl. VAT, 4 032 € incl.
    expect(totals).to_contain_text(euros("4 032,00 €"))
    page.get_by_role("button", name="Modifier le prix de Tenue de la comptabilité").click()
    price = page.get_by_label("Prix HT de Tenue de la comptabilité")
    expect(price).to_be_focused()
    price.fill("312,50")
    # Recomputed as typed: 312,50 × 12 + 360 = 4 110 € excl. VAT, 4 932 € incl.
    expect(totals).to_contain_text(euros("4 110,00 €"))
    expect(totals).to_contain_text(euros("4 932,00 €"))
    visit.shot("mission-form")
    page.get_by_role("button", name="Créer la mission").click()
    expect(page.get_by_role("status")).to_have_text("La mission est créée.")
    expect(page.get_by_role("heading", name=mission_name, level=1)).to_be_visible()
    mission_id = page.url.split("/app/missions/")[1].split("?")[0]
    return mission_id


def preview(visit: Visit, mission_id: str) -> None:
    """Aperçu: the PDF of the letter, inside the page; nothing is filed."""
    page = visit.page
    with page.expect_response(re.compile(r"/preview$")) as previewed:
        page.get_by_role("button", name="Aperçu").click()
    answer = previewed.value
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    # Chromium hands the PDF to its viewer (the body Playwright sees is the viewer's page):
    # the answer's headers say what came.
    assert int(answer.headers["content-length"]) > 10_000
    frame = page.get_by_title("Aperçu de la lettre de mission")
    expect(frame).to_be_visible()
    assert page.frame(name="apercu") is not None
    assert page.frame(name="apercu").url.endswith(f"/app/missions/{mission_id}/preview")  # type: ignore[union-attr]
    page.wait_for_timeout(2000)  # the viewer draws the PDF after it arrives: for the screenshot
    visit.shot("preview")
    expect(page.get_by_role("heading", name="Lettres générées")).to_have_count(0)


def generate_into_private_folder(visit: Visit) -> None:
    """Générer la lettre, into the private folder chosen by default."""
    page = visit.page
    folder = page.get_by_label("Dossier de la GED")
    expect(folder).to_contain_text("Lettres de mission (cabinet)")
    page.get_by_role("button", name="Générer la lettre").click()
    expect(page.get_by_role("status")).to_have_text(
        "La lettre de mission est générée et classée dans la GED."
    )
    letters = page.get_by_role("region", name="Lettres générées")
    expect(letters).to_contain_text("Privé au cabinet")
    tracking = page.get_by_role("region", name="Suivi")
    expect(tracking.locator("[data-status]")).to_have_text("Lettre générée")
    visit.shot("letter-generated")


def move_letter_to_shared_folder(visit: Visit) -> None:
    """Déplacer: from the firm's folder to the shared one, from the client's Documents tab."""
    page = visit.page
    page.get_by_role("link", name="Documents du client").click()
    expect(page.get_by_role("link", name="Documents", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    document = page.locator(".document", has_text="Lettre de mission")
    expect(document).to_have_count(1)
    document.get_by_label(re.compile("Dossier de destination")).select_option(
        label="Lettres de mission (partagé)"
    )
    visit.shot("documents-before-move")
    document.get_by_role("button", name=re.compile("^Déplacer")).click()
    expect(page.get_by_role("status")).to_have_text("Le document a été déplacé.")
    shared = page.get_by_role("group", name="Lettres de mission", exact=True)
    expect(shared).to_contain_text("Partagé avec le client")
    expect(shared.get_by_role("link", name=re.compile("^Lettre de mission"))).to_have_count(1)
    private = page.get_by_role("group", name="Lettres de mission (cabinet)")
    expect(private).to_contain_text("Dossier vide.")
    visit.shot("documents-after-move")


def send_for_signature(visit: Visit, mission_id: str, signer: str) -> Locator:
    """Envoyer pour signature; the page follows the signers without being reloaded. The
    page's "Suivi" region."""
    page = visit.page
    page.goto(f"/app/missions/{mission_id}")
    tracking = page.get_by_role("region", name="Suivi")
    page.get_by_role("button", name="Envoyer pour signature").click()
    expect(page.get_by_role("status")).to_have_text("La lettre est envoyée pour signature.")
    expect(tracking).to_contain_text("En attente de signature")
    expect(tracking.get_by_role("row", name=re.compile(signer))).to_contain_text("En attente")
    expect(page.get_by_role("button", name="Modifier le prix")).to_have_count(0)
    visit.shot("awaiting-signature")
    return tracking


def test_staff_create_preview_generate_move_send_and_see_it_signed(
    visit: Visit, stack: Stack
) -> None:
    client_name = f"Pâtisserie Fontaine & Fille {secrets.token_hex(2)}"
    client = new_client(stack, client_name)
    page = signed_in(visit, stack)
    visit.shot("home")
    open_client(visit, client_name)
    visit.shot("client-prestations")

    mission_id = create_mission(visit, "Mission comptable 2026")
    # The server's totals (domain/totals.py) agree with the preview.
    totals = page.get_by_role("table", name="Totaux", exact=True)
    expect(totals).to_contain_text(euros("4 110,00 €"))
    expect(totals).to_contain_text(euros("822,00 €"))
    expect(totals).to_contain_text(euros("4 932,00 €"))
    expect(page.get_by_role("row", name=re.compile("Tenue de la comptabilité"))).to_contain_text(
        euros("3 750,00 €")
    )
    visit.shot("mission-draft")

    preview(visit, mission_id)
    generate_into_private_folder(visit)
    move_letter_to_shared_folder(visit)
    staff = Api(stack.api, stack.demo["staff_token"])
    moved = staff.get(f"/v1/clients/{client['id']}/documents")
    folders = {f["id"]: f for f in staff.get(f"/v1/clients/{client['id']}/folders")}
    assert [folders[d["folder_id"]]["shared_with_client"] for d in moved] == [True]

    tracking = send_for_signature(visit, mission_id, "Lucie Fontaine")
    mission = staff.get(f"/v1/missions/{mission_id}")
    provider_request = mission["signature"]["provider_request_id"]
    signed = httpx.post(f"{stack.provider}/signer/{provider_request}/sign", timeout=30)
    assert signed.status_code == 200, signed.text
    # Polled every 3 s by the page: signed, then active once the work is created.
    expect(tracking.locator("[data-status]")).to_have_text("Active", timeout=60_000)
    expect(tracking.get_by_role("row", name=re.compile("Lucie Fontaine"))).to_contain_text("Signé")
    expect(tracking).to_contain_text("Signée")
    # The workflow's reasons, in French on the page (the API keeps its own words).
    expect(tracking).to_contain_text("signée par tous les signataires")
    expect(tracking).not_to_contain_text("all signers signed")
    # Who moved it, in French too: the signers, then Sceau opening the work.
    expect(tracking).to_contain_text("· les signataires")
    expect(tracking).to_contain_text("· Sceau")
    expect(tracking).not_to_contain_text("· signers")
    visit.shot("active")

    page.goto(f"/app/clients/{client['id']}/tasks")
    expect(page.get_by_role("link", name="Tâches", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("table")).to_contain_text("Mission comptable 2026")
    visit.shot("tasks")
    page.goto(f"/app/clients/{client['id']}/history")
    # The audit log's codes and actors, in French (the API keeps its codes).
    expect(page.get_by_role("table")).to_contain_text("Lettre de mission générée")
    expect(page.get_by_role("table")).to_contain_text("Sceau")
    expect(page.get_by_role("table")).not_to_contain_text("mission.letter_generated")
    visit.shot("history")
    # Home: the firm's missions by status, and the work falling due.
    page.get_by_role("link", name="Accueil").click()
    expect(page.get_by_role("region", name="Missions par statut")).to_contain_text("Active")
    # (Which of its work falls due this week depends on today's date.)
    expect(page.get_by_role("region", name=re.compile("^Tâches à échéance"))).to_be_visible()
    visit.shot("home-after")
    assert visit.dialogs == []
    assert visit.console_errors == []


def test_staff_adjust_a_request_then_create_its_mission(visit: Visit, stack: Stack) -> None:
    client_name = f"Boucherie Laurent {secrets.token_hex(2)}"
    client = new_client(stack, client_name)
    staff = Api(stack.api, stack.demo["staff_token"])
    portal = staff.post(
        f"/v1/clients/{client['id']}/portal-users",
        {"email": f"paul-{secrets.token_hex(3)}@boucherie.example"},
        expect=201,
    )
    services = {s["code"]: s["id"] for s in staff.get("/v1/services")}
    asked = Api(stack.api, portal["token"]).post(
        "/v1/portal/service-requests",
        {"service_ids": [services["TENUE"], services["BILAN"]], "message": "Pour 2026"},
        expect=201,
    )

    page = signed_in(visit, stack)
    requests = page.get_by_role("region", name="Demandes à traiter")
    requests.get_by_role("link", name=client_name).click()
    expect(page.get_by_role("heading", name=f"Demande de {client_name}")).to_be_visible()
    expect(page.get_by_label("Tenue de la comptabilité", exact=True)).to_be_checked()
    page.get_by_label("Comptes annuels et liasse fiscale", exact=True).uncheck()
    page.get_by_label("Déclarations de TVA", exact=True).check()
    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.get_by_role("status")).to_have_text("La demande est ajustée.")
    visit.shot("request-adjusted")
    adjusted = staff.get(f"/v1/service-requests/{asked['id']}")["service_ids"]
    assert sorted(adjusted) == sorted([services["TENUE"], services["TVA"]])

    page.get_by_role("link", name="Créer la mission").click()
    expect(page.get_by_label("Déclarations de TVA", exact=True)).to_be_checked()
    expect(page.get_by_label("Comptes annuels et liasse fiscale", exact=True)).not_to_be_checked()
    page.get_by_label("Nom de la mission").fill("Mission demandée")
    page.get_by_role("button", name="Créer la mission").click()
    expect(page.get_by_role("status")).to_have_text("La mission est créée.")
    assert page.url.split("/app/missions/")[1].split("?")[0] == asked["mission_id"]
    expect(page.get_by_role("table").first).to_contain_text("Déclarations de TVA")
    visit.shot("mission-from-request")

    # A bad period is said in French, and the form keeps what was typed.
    page.goto(f"/app/clients/{client['id']}/missions/new")
    page.get_by_label("Nom de la mission").fill("Trop longue")
    page.get_by_label("Début de la période").fill("2026-01-01")
    page.get_by_label("Fin de la période").fill("2035-12-31")
    page.get_by_label("Tenue de la comptabilité", exact=True).check()
    page.get_by_role("button", name="Créer la mission").click()
    expect(page.get_by_role("alert")).to_contain_text("durer au plus 5 ans")
    expect(page.get_by_label("Nom de la mission")).to_have_value("Trop longue")
    visit.shot("mission-form-error")

    # Modifier le prix on the mission page: the server's totals follow.
    page.goto(f"/app/missions/{asked['mission_id']}")
    page.get_by_role("button", name="Modifier le prix de Tenue de la comptabilité").click()
    price = page.get_by_label("Nouveau prix HT de Tenue de la comptabilité")
    expect(price).to_be_focused()
    price.fill("1 000")
    page.get_by_role("button", name="Enregistrer le prix").click()
    expect(page.get_by_role("status")).to_have_text(
        "Le prix est modifié ; les totaux sont recalculés."
    )
    # 1 000 × 12 + 90 × 4 = 12 360 € excl. VAT.
    expect(page.get_by_role("table", name="Totaux", exact=True)).to_contain_text(
        euros("12 360,00 €")
    )
    visit.shot("price-changed")

    # Annuler la mission, with a reason: the timeline says so.
    page.get_by_label("Motif de l'annulation").fill("Le client renonce & s'excuse")
    page.get_by_role("button", name="Annuler la mission").click()
    tracking = page.get_by_role("region", name="Suivi")
    expect(tracking.locator("[data-status]")).to_have_text("Annulée", timeout=30_000)
    expect(tracking).to_contain_text("Le client renonce & s'excuse")
    visit.shot("cancelled")
    wait_for(
        lambda: staff.get(f"/v1/missions/{asked['mission_id']}")["status"] == "cancelled",
        "the mission cancelled",
    )
    # Only the refused form's own answer (422) is logged by Chromium.
    assert [e for e in visit.console_errors if "status of 422" not in e] == []


def test_a_client_named_like_a_script_is_text_on_every_staff_page(
    visit: Visit, stack: Stack
) -> None:
    name = f'<script>alert(1)</script> & "Fils" {secrets.token_hex(2)}'
    client = new_client(stack, name)
    staff = Api(stack.api, stack.demo["staff_token"])
    services = staff.get("/v1/services")
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": client["id"],
            "name": '<img src=x onerror=alert(2)> "Mission"',
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "frequency": "monthly",
            "lines": [{"service_id": services[0]["id"]}],
        },
        expect=201,
    )
    page = visit.page
    page.add_init_script("window.__ran = []; window.alert = (m) => window.__ran.push(m);")
    signed_in(visit, stack)
    for path in (
        "/app/clients",
        f"/app/clients/{client['id']}",
        f"/app/clients/{client['id']}/documents",
        f"/app/clients/{client['id']}/tasks",
        f"/app/clients/{client['id']}/history",
        f"/app/clients/{client['id']}/missions/new",
        f"/app/missions/{mission['id']}",
    ):
        page.goto(path)
        # The name, exactly as entered, as text (in a link, a heading or a breadcrumb).
        expect(page.get_by_text(name, exact=True).first).to_be_visible()
        visit.shot(path.strip("/").replace("/", "-"))
        assert page.evaluate("window.__ran") == [], path
        assert page.locator("script:not([src])").count() == 0, path
        # No page ships more than 100 KB of JavaScript (issue 16's budget).
        scripts = page.evaluate(
            "performance.getEntriesByType('resource')"
            ".filter(e => e.initiatorType === 'script').map(e => e.decodedBodySize)"
        )
        # A script the browser kept from an earlier page reports no size: the first page
        # loads each one, so the budget is checked there.
        assert scripts and sum(scripts) < 100_000, (path, scripts)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        '<img src=x onerror=alert(2)> "Mission"'
    )
    assert visit.dialogs == []
    assert visit.console_errors == []


# Whether each option of each select shows whole: its text, in the select's font, within the
# select's box less its padding and the arrow (measured on a canvas, as the browser draws it).
OPTIONS_CUT = """() => {
  const canvas = document.createElement("canvas").getContext("2d");
  const cut = [];
  for (const select of document.querySelectorAll("#letter-form select")) {
    const style = getComputedStyle(select);
    canvas.font = style.font;
    const room = select.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight) - 24;
    for (const option of select.options) {
      if (canvas.measureText(option.text).width > room) cut.push(option.text);
    }
  }
  return cut;
}"""


def test_the_letter_choices_show_their_options_whole_on_a_laptop_and_a_tablet(
    visit: Visit, stack: Stack
) -> None:
    staff = Api(stack.api, stack.demo["staff_token"])
    client = new_client(stack, f"Pâtisserie Fontaine {secrets.token_hex(2)}")
    mission = staff.post(
        "/v1/missions",
        {
            "client_id": client["id"],
            "name": "Tenue",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "frequency": "monthly",
            "lines": [{"service_id": stack.demo["service_ids"]["TENUE"]}],
        },
        expect=201,
    )
    page = signed_in(visit, stack)
    page.goto(f"/app/missions/{mission['id']}")
    folder = page.get_by_label("Dossier de la GED")
    expect(folder).to_contain_text("Lettres de mission (cabinet) — privé au cabinet")
    expect(page.get_by_label("Représentant légal du cabinet")).to_contain_text(
        "Expert-comptable associée"
    )
    visit.shot("laptop")
    assert page.evaluate(OPTIONS_CUT) == []

    page.set_viewport_size({"width": 768, "height": 1024})
    visit.shot("tablet")
    assert page.evaluate(OPTIONS_CUT) == []
    # Nothing wider than the tablet's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 768

"""Nobody sees another firm's clients, nor another client's file.

Firm A is the demo firm; firm B is made here with one of everything. For every operation that
takes an id, firm A's staff gives firm B's id: the answer is the 404 a missing id gets, word for
word, and nothing changes on either side. Portal tokens get the same treatment across clients,
and every role is refused the operations of the others.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from api.app import app
from domain.letter_templates import DEFAULT_TEMPLATE_PATH
from tests.e2e.missions import open_year
from tests.e2e.stack import Api, Stack, wait_for

pytestmark = pytest.mark.e2e

ERROR_KEYS = {"code", "message", "details"}


@dataclass
class World:
    """Ids of firm A (the demo firm) and firm B, keyed alike, and the callers of each side."""

    a: dict[str, str]
    b: dict[str, str]
    a_staff: Api
    a_admin: Api
    b_admin: Api
    b_staff: Api
    portals: dict[str, Api]
    base: str
    a1_items: list[str] = field(default_factory=list)


def missing(identifier: str) -> str:
    """An id of the same shape that names nothing."""
    prefix, _, _ = identifier.rpartition("_")
    return f"{prefix}_{'0' * 16}" if prefix else "0" * 16


def fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    return template


def mission_body(client: str, service: str, **extra: Any) -> dict[str, Any]:
    # Over the open year, so that a signed one gets its work at once.
    start, end = open_year()
    return {
        "client_id": client,
        "name": "Mission isolée",
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "frequency": "yearly",
        "lines": [{"service_id": service}],
        **extra,
    }


def letter(folder: bool = True) -> dict[str, str]:
    body = {
        "template_id": "{template}",
        "firm_representative_id": "{staff}",
        "client_representative_id": "{rep}",
    }
    return {**body, "folder_id": "{folder}"} if folder else body


def make_firm_b(stack: Stack) -> tuple[dict[str, str], Api]:
    operator = Api(stack.api, stack.secret("operator_token"))
    firm = operator.post(
        "/v1/firms",
        {
            "name": "Cabinet B",
            "legal_form": "SAS",
            "siren": "987654321",
            "address": "2 quai de Saône, 69005 Lyon",
            "vat_number": "FR00987654321",
            "ordre_council": "Conseil régional de Lyon",
        },
        expect=201,
    )
    admin = Api(stack.api, firm["admin_token"])
    staff = admin.post(
        "/v1/staff",
        {
            "email": "associe@cabinet-b.example",
            "first_name": "Bruno",
            "last_name": "Bernard",
            "legal_representative": True,
        },
        expect=201,
    )
    service = admin.post(
        "/v1/services",
        {"code": "B-TENUE", "name": "Tenue B", "price": "100.00", "frequency": "yearly"},
        expect=201,
    )
    client = admin.post(
        "/v1/clients",
        {
            "name": "Client de B",
            "representatives": [
                {"first_name": "Berthe", "last_name": "Bo", "email": "berthe@client-b.example"}
            ],
        },
        expect=201,
    )
    portal = admin.post(
        f"/v1/clients/{client['id']}/portal-users", {"email": "berthe@client-b.example"}, expect=201
    )
    b_portal = Api(stack.api, portal["token"])
    request = b_portal.post(
        "/v1/portal/service-requests", {"service_ids": [service["id"]]}, expect=201
    )
    template = admin.call(
        "POST",
        "/v1/letter-templates",
        201,
        files={"file": ("b.docx", DEFAULT_TEMPLATE_PATH.read_bytes())},
        data={"name": "Modèle de B"},
    )
    mission = admin.post("/v1/missions", mission_body(client["id"], service["id"]), expect=201)
    folders = admin.get(f"/v1/clients/{client['id']}/folders")
    private = next(f["id"] for f in folders if not f["shared_with_client"])
    shared = next(f["id"] for f in folders if f["shared_with_client"])
    filed = admin.post(
        f"/v1/missions/{mission['id']}/letter",
        {
            "template_id": template["id"],
            "folder_id": private,
            "firm_representative_id": staff["id"],
            "client_representative_id": client["representatives"][0]["id"],
        },
        expect=201,
    )
    # Signed and active, with an amendment in progress (a draft).
    started = admin.post(f"/v1/missions/{mission['id']}/signature", {}, expect=202)
    assert httpx.post(f"{stack.provider}/signer/{started['provider_request_id']}/sign").is_success
    wait_for(
        lambda: admin.get(f"/v1/missions/{mission['id']}")["status"] == "active",
        "firm B's mission to become active",
    )
    wait_for(
        lambda: len(admin.get(f"/v1/clients/{client['id']}/documents")) >= 3,
        "firm B's signed letter and audit trail",
    )
    amendment = admin.post(
        f"/v1/missions/{mission['id']}/amendments",
        {
            "lines": [{"service_id": service["id"], "price": "120.00"}],
            "effective_date": open_year()[0].isoformat(),
        },
        expect=201,
    )
    ids = {
        "firm": firm["id"],
        "service": service["id"],
        "client": client["id"],
        "rep": client["representatives"][0]["id"],
        "staff": staff["id"],
        "folder": private,
        "shared": shared,
        "document": filed["document_id"],
        "request": request["id"],
        "mission": mission["id"],
        "line": mission["lines"][0]["id"],
        "template": template["id"],
        "portal_token": portal["token"],
        "portal_user": portal["id"],
        "staff_token": staff["token"],
        "amendment": amendment["id"],
    }
    return ids, admin


@pytest.fixture(scope="module")
def world(stack: Stack, staff: Api) -> World:
    demo = stack.demo
    b, b_admin = make_firm_b(stack)
    a1_portal = Api(stack.api, demo["portal_token"])
    service = demo["service_ids"]["BILAN"]

    # Client A1 (the demo client) gets a signed mission: a document in its shared folder and
    # an information request; and an open service request.
    folders = staff.get(f"/v1/clients/{demo['client_id']}/folders")
    private = next(f["id"] for f in folders if not f["shared_with_client"])
    shared = next(f["id"] for f in folders if f["shared_with_client"])
    signed = staff.post("/v1/missions", mission_body(demo["client_id"], service), expect=201)
    people = {
        "template_id": "default",
        "firm_representative_id": demo["staff_id"],
        "client_representative_id": demo["client_representative_id"],
    }
    filed = staff.post(
        f"/v1/missions/{signed['id']}/letter", {**people, "folder_id": private}, expect=201
    )
    staff.post(f"/v1/documents/{filed['document_id']}/move", {"folder_id": shared})
    started = staff.post(f"/v1/missions/{signed['id']}/signature", {}, expect=202)
    assert httpx.post(f"{stack.provider}/signer/{started['provider_request_id']}/sign").is_success
    wait_for(
        lambda: staff.get(f"/v1/missions/{signed['id']}")["status"] == "active",
        "the mission to become active",
    )
    # BILAN yearly: one task and one information request; then the signed copies filed.
    wait_for(
        lambda: len(staff.get("/v1/tasks", params={"mission_id": signed["id"]})) == 2,
        "the mission's work",
    )
    wait_for(
        lambda: len(staff.get(f"/v1/clients/{demo['client_id']}/documents")) >= 3,
        "the signed letter and audit trail",
    )
    items = a1_portal.get("/v1/portal/information-requests")
    assert items, "client A1 has an information request"
    request = a1_portal.post("/v1/portal/service-requests", {"service_ids": [service]}, expect=201)
    draft = staff.post("/v1/missions", mission_body(demo["client_id"], service), expect=201)

    # Client A2: same firm, its own portal user.
    a2 = staff.post(
        "/v1/clients",
        {
            "name": "Client A2",
            "representatives": [
                {"first_name": "Anne", "last_name": "Deux", "email": "anne@a2.example"}
            ],
        },
        expect=201,
    )
    a2_portal = staff.post(
        f"/v1/clients/{a2['id']}/portal-users", {"email": "anne@a2.example"}, expect=201
    )
    a = {
        "firm": demo["firm_id"],
        "service": service,
        "client": demo["client_id"],
        "rep": demo["client_representative_id"],
        "staff": demo["staff_id"],
        "folder": private,
        "shared": shared,
        "document": filed["document_id"],
        "request": request["id"],
        "mission": draft["id"],
        "line": draft["lines"][0]["id"],
        "template": "default",
        "item": items[0]["id"],
        "a2_client": a2["id"],
        "portal_user": demo["portal_user_id"],
        # Firm A's own amendment is never reached: its mission's check comes first.
        "amendment": "amd_" + "0" * 16,
    }
    return World(
        a=a,
        b=b,
        a_staff=staff,
        a_admin=Api(stack.api, demo["admin_token"]),
        b_admin=b_admin,
        b_staff=Api(stack.api, b["staff_token"]),
        portals={
            "a1": a1_portal,
            "a2": Api(stack.api, a2_portal["token"]),
            "b": Api(stack.api, b["portal_token"]),
        },
        base=stack.api,
        a1_items=[item["id"] for item in items],
    )


def snapshot(world: World) -> dict[str, Any]:
    """Everything either firm can see of its own, read with its own tokens."""
    seen: dict[str, Any] = {}
    for side, api, ids in (("a", world.a_staff, world.a), ("b", world.b_admin, world.b)):
        seen[side] = {
            path: api.get(path)
            for path in (
                "/v1/services",
                "/v1/clients",
                f"/v1/clients/{ids['client']}/folders",
                f"/v1/clients/{ids['client']}/documents",
                "/v1/service-requests",
                "/v1/missions",
                "/v1/tasks",
                "/v1/letter-templates",
                f"/v1/clients/{ids['client']}/audit",
                f"/v1/missions/{ids['mission']}/audit",
            )
        }
    # Tokens of firm B's staff member stay live (a revocation across firms would end them).
    seen["b_staff"] = world.b_staff.get("/v1/services")
    for name, portal in world.portals.items():
        seen[name] = {
            path: portal.get(path)
            for path in ("/v1/portal/documents", "/v1/portal/information-requests")
        }
    return seen


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def raw(api: Api, method: str, path: str, body: Any, upload: bool = False) -> httpx.Response:
    if upload:
        return api.http.request(method, path, files={"file": ("releve.pdf", PDF)})
    return (
        api.http.request(method, path, json=body)
        if body is not None
        else api.http.request(method, path)
    )


def uniform(response: httpx.Response) -> dict[str, Any]:
    answer = response.json()
    assert set(answer) == {"error"}, answer
    assert set(answer["error"]) == ERROR_KEYS, answer
    return answer  # type: ignore[no-any-return]


def without(answer: dict[str, Any], value: str) -> str:
    return json.dumps(answer, sort_keys=True).replace(value, "<id>")


@dataclass(frozen=True)
class Probe:
    """``target`` is the key given firm B's id; ``also`` are keys given B's ids besides, so
    that the call would succeed if the target's check were missing."""

    method: str
    path: str
    target: str
    body: Any = None
    also: tuple[str, ...] = ()
    status: int = 404
    # Firm A's admin makes the call: the operation is for admins only.
    admin: bool = False
    # Sent as a multipart file upload instead of a JSON body.
    upload: bool = False


STAFF_PROBES: dict[str, Probe] = {
    "get-service": Probe("GET", "/v1/services/{service}", "service"),
    "patch-service": Probe("PATCH", "/v1/services/{service}", "service", {"name": "Pris"}),
    "get-client": Probe("GET", "/v1/clients/{client}", "client"),
    "patch-client": Probe("PATCH", "/v1/clients/{client}", "client", {"name": "Pris"}),
    "add-portal-user": Probe(
        "POST", "/v1/clients/{client}/portal-users", "client", {"email": "intrus@x.example"}
    ),
    "list-folders": Probe("GET", "/v1/clients/{client}/folders", "client"),
    "create-folder": Probe("POST", "/v1/clients/{client}/folders", "client", {"name": "Intrus"}),
    "create-folder-under-b-parent": Probe(
        "POST",
        "/v1/clients/{client}/folders",
        "folder",
        {"name": "Intrus", "parent_id": "{folder}"},
    ),
    "list-documents": Probe("GET", "/v1/clients/{client}/documents", "client"),
    "get-document": Probe("GET", "/v1/documents/{document}", "document"),
    "get-document-content": Probe("GET", "/v1/documents/{document}/content", "document"),
    "move-b-document": Probe(
        "POST",
        "/v1/documents/{document}/move",
        "document",
        {"folder_id": "{shared}"},
        also=("shared",),
    ),
    "move-into-b-folder": Probe(
        "POST", "/v1/documents/{document}/move", "shared", {"folder_id": "{shared}"}
    ),
    "get-service-request": Probe("GET", "/v1/service-requests/{request}", "request"),
    "patch-service-request": Probe(
        "PATCH",
        "/v1/service-requests/{request}",
        "request",
        {"service_ids": ["{service}"]},
        also=("service",),
    ),
    "patch-service-request-b-service": Probe(
        "PATCH",
        "/v1/service-requests/{request}",
        "service",
        {"service_ids": ["{service}"]},
        status=422,
    ),
    "get-mission": Probe("GET", "/v1/missions/{mission}", "mission"),
    "mission-plan": Probe("GET", "/v1/missions/{mission}/plan", "mission"),
    "change-line-b-mission": Probe(
        "PATCH",
        "/v1/missions/{mission}/lines/{line}",
        "mission",
        {"price": "1.00"},
        also=("line",),
    ),
    "change-line-b-line": Probe(
        "PATCH", "/v1/missions/{mission}/lines/{line}", "line", {"price": "1.00"}
    ),
    "preview-b-mission": Probe(
        "POST",
        "/v1/missions/{mission}/letter/preview",
        "mission",
        letter(folder=False),
        also=("staff", "rep", "template"),
    ),
    **{
        f"preview-b-{key}": Probe(
            "POST", "/v1/missions/{mission}/letter/preview", key, letter(folder=False)
        )
        for key in ("staff", "rep", "template")
    },
    "letter-b-mission": Probe(
        "POST",
        "/v1/missions/{mission}/letter",
        "mission",
        letter(),
        also=("staff", "rep", "template", "folder"),
    ),
    **{
        f"letter-b-{key}": Probe("POST", "/v1/missions/{mission}/letter", key, letter())
        for key in ("staff", "rep", "template", "folder")
    },
    "request-signature": Probe("POST", "/v1/missions/{mission}/signature", "mission", {}),
    "cancel-mission": Probe("POST", "/v1/missions/{mission}/cancel", "mission", {"reason": "x"}),
    "terminate-mission": Probe(
        "POST", "/v1/missions/{mission}/termination", "mission", {"by": "client"}
    ),
    "create-mission-b-client": Probe(
        "POST", "/v1/missions", "client", mission_body("{client}", "{service}"), also=("service",)
    ),
    "create-mission-b-service": Probe(
        "POST", "/v1/missions", "service", mission_body("{client}", "{service}"), status=422
    ),
    "create-mission-b-request": Probe(
        "POST",
        "/v1/missions",
        "request",
        mission_body("{client}", "{service}", service_request_id="{request}"),
    ),
    "draft-amendment-b-mission": Probe(
        "POST",
        "/v1/missions/{mission}/amendments",
        "mission",
        {"lines": [{"service_id": "{service}"}], "effective_date": open_year()[0].isoformat()},
    ),
    # Firm B's amendment, under firm B's mission, then under firm A's own mission.
    **{
        f"{name}-b-{key}": Probe(
            method,
            f"/v1/missions/{{mission}}/amendments/{{amendment}}{suffix}",
            key,
            body,
            also=("amendment",) if key == "mission" else (),
        )
        for name, method, suffix, body in (
            ("get-amendment", "GET", "", None),
            ("preview-amendment", "POST", "/letter/preview", letter(folder=False)),
            ("amendment-letter", "POST", "/letter", letter()),
            ("amendment-signature", "POST", "/signature", {}),
            ("cancel-amendment", "POST", "/cancel", {"reason": "x"}),
        )
        for key in ("mission", "amendment")
    },
    "mission-audit": Probe("GET", "/v1/missions/{mission}/audit", "mission"),
    "client-audit": Probe("GET", "/v1/clients/{client}/audit", "client"),
    **{
        f"{verb}-portal-token-b-{key}": Probe(
            method,
            "/v1/clients/{client}/portal-users/{portal_user}/tokens",
            key,
            also=("client", "portal_user"),
        )
        if key == "client"
        else Probe(method, "/v1/clients/{client}/portal-users/{portal_user}/tokens", key)
        for verb, method in (("issue", "POST"), ("revoke", "DELETE"))
        for key in ("client", "portal_user")
    },
    "issue-staff-token": Probe("POST", "/v1/staff/{staff}/tokens", "staff", admin=True),
    "revoke-staff-tokens": Probe("DELETE", "/v1/staff/{staff}/tokens", "staff", admin=True),
    "invite-staff": Probe("POST", "/v1/staff/{staff}/invitation", "staff", admin=True),
}


def check_probe(world: World, caller: Api, probe: Probe, ids: dict[str, str], other: str) -> None:
    """Call with ``other`` in place of the target's id, then with a missing id; compare."""
    before = snapshot(world)
    foreign = {**ids, probe.target: other}
    response = raw(
        caller, probe.method, fill(probe.path, foreign), fill(probe.body, foreign), probe.upload
    )
    after = snapshot(world)
    absent = missing(other)
    control = {**ids, probe.target: absent}
    reference = raw(
        caller, probe.method, fill(probe.path, control), fill(probe.body, control), probe.upload
    )

    assert response.status_code == probe.status, response.text
    assert reference.status_code == probe.status, reference.text
    assert without(uniform(response), other) == without(uniform(reference), absent)
    assert after == before


@pytest.mark.parametrize("name", list(STAFF_PROBES))
def test_firm_a_staff_cannot_reach_firm_b(world: World, name: str) -> None:
    probe = STAFF_PROBES[name]
    ids = {**world.a, **{key: world.b[key] for key in probe.also}}
    caller = world.a_admin if probe.admin else world.a_staff
    check_probe(world, caller, probe, ids, world.b[probe.target])


PORTAL_PROBES: dict[str, tuple[str, Probe]] = {
    # Client A2 reaching for client A1's file, then firm B's client doing the same.
    f"{who}-{name}": (who, probe)
    for who in ("a2", "b")
    for name, probe in {
        "document-content": Probe("GET", "/v1/portal/documents/{document}/content", "document"),
        "answer-information-request": Probe(
            "POST",
            "/v1/portal/information-requests/{item}/answer",
            "item",
            {"answer": "Voici mes relevés"},
        ),
        "send-file": Probe(
            "POST", "/v1/portal/information-requests/{item}/files", "item", upload=True
        ),
    }.items()
}


@pytest.mark.parametrize("name", list(PORTAL_PROBES))
def test_a_portal_user_cannot_reach_another_clients_file(world: World, name: str) -> None:
    who, probe = PORTAL_PROBES[name]
    check_probe(world, world.portals[who], probe, world.a, world.a[probe.target])


def test_portal_lists_hold_only_the_clients_own_things(world: World) -> None:
    a1_documents = {doc["id"] for doc in world.portals["a1"].get("/v1/portal/documents")}
    assert world.a["document"] in a1_documents
    for who in ("a2", "b"):
        portal = world.portals[who]
        assert not a1_documents & {doc["id"] for doc in portal.get("/v1/portal/documents")}
        items = {item["id"] for item in portal.get("/v1/portal/information-requests")}
        assert not items & set(world.a1_items)


def test_a_portal_user_cannot_ask_for_another_firms_service(world: World) -> None:
    probe = Probe(
        "POST", "/v1/portal/service-requests", "service", {"service_ids": ["{service}"]}, status=422
    )
    check_probe(world, world.portals["a2"], probe, world.a, world.b["service"])


@pytest.mark.parametrize(
    ("path", "param", "key"),
    [
        ("/v1/missions", "client_id", "client"),
        ("/v1/tasks", "mission_id", "mission"),
        ("/v1/clients/{client}/documents", "folder_id", "folder"),
    ],
)
def test_filters_on_firm_b_ids_find_nothing(world: World, path: str, param: str, key: str) -> None:
    url = fill(path, world.a)
    assert world.a_staff.get(url, params={param: world.b[key]}) == []


@pytest.mark.parametrize(("param", "key"), [("mission_id", "mission"), ("client_id", "client")])
def test_the_firm_audit_log_filtered_on_firm_b_ids_finds_nothing(
    world: World, param: str, key: str
) -> None:
    assert world.a_admin.get("/v1/audit", params={param: world.b[key]}) == []
    assert world.a_admin.get("/v1/audit", params={param: world.a[key]}) != []


# --- roles ---------------------------------------------------------------------------------

OPERATIONS = [
    (method.upper(), path)
    for path, operations in app.openapi()["paths"].items()
    for method in operations
]
PUBLIC = ("/healthz", "/readyz", "/v1/webhooks/")
GUARDED = [op for op in OPERATIONS if not op[1].startswith(PUBLIC)]
PORTAL_OPERATIONS = [op for op in GUARDED if op[1].startswith("/v1/portal/")]
STAFF_OPERATIONS = [
    op for op in GUARDED if not op[1].startswith("/v1/portal/") and op[1] != "/v1/firms"
]
PATH_IDS = {
    "service_id": "service",
    "client_id": "client",
    "document_id": "document",
    "request_id": "request",
    "mission_id": "mission",
    "amendment_id": "amendment",
    "line_id": "line",
    "item_id": "item",
    "staff_id": "staff",
    "portal_user_id": "portal_user",
}


def own_path(path: str, ids: dict[str, str]) -> str:
    """The path filled with ids the caller's own client or firm holds."""
    return re.sub(r"\{(\w+)\}", lambda m: ids[PATH_IDS[m.group(1)]], path)


def label(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


@pytest.mark.parametrize("op", GUARDED, ids=label)
def test_no_token_is_401(world: World, op: tuple[str, str]) -> None:
    method, path = op
    response = httpx.request(method, world.base + own_path(path, world.a), json={})
    assert response.status_code == 401
    uniform(response)


@pytest.mark.parametrize("op", STAFF_OPERATIONS, ids=label)
def test_a_portal_token_is_refused_staff_operations(world: World, op: tuple[str, str]) -> None:
    method, path = op
    before = snapshot(world)
    response = raw(world.portals["a1"], method, own_path(path, world.a), {})
    assert response.status_code == 403, response.text
    assert uniform(response)["error"]["code"] == "forbidden"
    assert snapshot(world) == before


@pytest.mark.parametrize("op", PORTAL_OPERATIONS, ids=label)
def test_a_staff_token_is_refused_portal_operations(world: World, op: tuple[str, str]) -> None:
    method, path = op
    response = raw(world.a_staff, method, own_path(path, world.a), {})
    assert response.status_code == 403, response.text
    assert uniform(response)["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("who", "method", "path"),
    [
        ("staff", "POST", "/v1/staff"),
        ("staff", "GET", "/v1/audit"),
        ("staff", "POST", "/v1/firms"),
        ("admin", "POST", "/v1/firms"),
        ("portal", "POST", "/v1/firms"),
    ],
)
def test_admin_and_operator_operations_are_refused_to_others(
    stack: Stack, world: World, who: str, method: str, path: str
) -> None:
    token = {
        "staff": stack.demo["staff_token"],
        "admin": stack.demo["admin_token"],
        "portal": stack.demo["portal_token"],
    }[who]
    response = raw(Api(stack.api, token), method, path, {})
    assert response.status_code == 403, response.text
    uniform(response)


def test_every_operation_on_an_id_is_in_the_matrix() -> None:
    probed = {(p.method, p.path) for p in STAFF_PROBES.values()} | {
        (p.method, p.path) for _, p in PORTAL_PROBES.values()
    }
    with_ids = {
        (method, re.sub(r"\{(\w+)\}", lambda m: "{" + PATH_IDS[m.group(1)] + "}", path))
        for method, path in GUARDED
        if "{" in path
    }
    assert with_ids <= probed, sorted(with_ids - probed)

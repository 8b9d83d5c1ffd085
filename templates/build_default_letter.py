"""Build `templates/lettre_de_mission.docx`, the default French engagement-letter template.

Run: `.venv/bin/python templates/build_default_letter.py`

The template is a docxtpl/Jinja document. python-docx writes each `add_run(text)` as one
run, so every Jinja tag below sits inside a single run, as docxtpl needs. The content
follows article 151 of décret n° 2012-432 and the Ordre des experts-comptables' model
letters: identities of both parties, nature, scope and limits of the mission, period and
renewal, split of obligations, fees, LCB-FT, general conditions, disputes, signatures.

The context it expects (values already formatted as strings unless noted):
    firm: name, legal_form, address, siren, vat_number, ordre_council, city
    firm_representative: first_name, last_name, full_name, title, email
    client: name, legal_form, siren, address, activity, fiscal_year_end
    client_representative: first_name, last_name, full_name, title, email, phone
    mission: name, period_start, period_end, duration, frequency, frequency_label
    lines[]: code, name, description, price, frequency_label, occurrences (int), yearly_amount
    totals: excl_vat, vat, incl_vat, vat_rate
    letter: date, place, version (int)
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run as DocxRun

from documents.docx_styles import without_unused_table_styles

OUTPUT = Path(__file__).resolve().with_name("lettre_de_mission.docx")

FONT = "Carlito"  # metric-compatible with Calibri, installed with LibreOffice
BODY_SIZE = Pt(10.5)
ACCENT = RGBColor(0x1F, 0x38, 0x64)
GREY = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = "DCE3EF"
TOTAL_FILL = "F2F2F2"

# A run is plain text, or (text, bold).
Run = str | tuple[str, bool]
Container = DocxDocument | _Cell  # anything with add_paragraph()


# --------------------------------------------------------------------------- styles


def _set_run_fonts(rpr: BaseOxmlElement) -> None:
    """Point every script slot of an rPr at FONT and drop theme-font overrides."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        style = rpr.find(qn("w:rStyle"))  # rFonts comes right after rStyle, if any
        rpr.insert(0 if style is None else rpr.index(style) + 1, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _setup_styles(document: DocxDocument) -> None:
    styles_root = document.styles.element
    # Document defaults: font, size, French language (hyphenation and spelling).
    rpr_default = styles_root.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault"))
    if rpr_default is not None:
        rpr = rpr_default.find(qn("w:rPr"))
        if rpr is not None:
            _set_run_fonts(rpr)
            lang = rpr.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                rpr.append(lang)
            lang.set(qn("w:val"), "fr-FR")
            lang.set(qn("w:eastAsia"), "fr-FR")
            lang.set(qn("w:bidi"), "ar-SA")
    # Every style that names a (theme) font gets FONT instead.
    for rpr in styles_root.iter(qn("w:rPr")):
        if rpr.find(qn("w:rFonts")) is not None:
            _set_run_fonts(rpr)

    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = BODY_SIZE
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.1

    for name, size, before, after in (
        ("Heading 1", Pt(12.5), Pt(14), Pt(5)),
        ("Heading 2", Pt(11), Pt(8), Pt(3)),
    ):
        style = document.styles[name]
        style.font.name = FONT
        style.font.size = size
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = ACCENT
        style.paragraph_format.space_before = before
        style.paragraph_format.space_after = after
        style.paragraph_format.keep_with_next = True

    bullet = document.styles["List Bullet"]
    bullet.font.name = FONT
    bullet.font.size = BODY_SIZE
    bullet.paragraph_format.space_after = Pt(2)


def _setup_page(document: DocxDocument) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Cm(21.0)
    section.page_height = Cm(29.7)
    section.top_margin = Cm(2.0)
    section.bottom_margin = Cm(2.0)
    section.left_margin = Cm(2.2)
    section.right_margin = Cm(2.2)
    section.header_distance = Cm(1.0)
    section.footer_distance = Cm(1.0)


def _content_width(document: DocxDocument) -> int:
    section = document.sections[0]
    assert section.page_width and section.left_margin and section.right_margin
    return section.page_width - section.left_margin - section.right_margin


# --------------------------------------------------------------------------- helpers


def paragraph(
    container: Container,
    *runs: Run,
    style: str | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
    size: Pt | None = None,
    color: RGBColor | None = None,
    space_after: Pt | None = None,
) -> Paragraph:
    """Add a paragraph made of runs; each run (and so each Jinja tag) stays whole."""
    para = container.add_paragraph(style=style)
    for run in runs:
        text, bold = (run, False) if isinstance(run, str) else run
        added = para.add_run(text)
        if bold:
            added.bold = True
        if size is not None:
            added.font.size = size
        if color is not None:
            added.font.color.rgb = color
    if align is not None:
        para.alignment = align
    if space_after is not None:
        para.paragraph_format.space_after = space_after
    return para


def heading(document: DocxDocument, text: str, level: int = 1) -> Paragraph:
    return document.add_heading(text, level=level)


def bullets(container: Container, items: Iterable[str | tuple[Run, ...]]) -> None:
    """One bullet paragraph per item; an item is a text or a tuple of runs."""
    for item in items:
        runs: tuple[Run, ...] = (item,) if isinstance(item, str) else item
        paragraph(container, *runs, style="List Bullet")


def _cell_text(cell: _Cell, *runs: Run, align: WD_ALIGN_PARAGRAPH | None = None) -> None:
    """Write runs into the cell's (existing, empty) first paragraph."""
    para = cell.paragraphs[0]
    for run in runs:
        text, bold = (run, False) if isinstance(run, str) else run
        added = para.add_run(text)
        if bold:
            added.bold = True
    para.paragraph_format.space_after = Pt(1)
    para.paragraph_format.space_before = Pt(1)
    if align is not None:
        para.alignment = align


def _shade(cell: _Cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def _row_flags(row: _Row, *, header: bool = False) -> None:
    """Rows never split across pages; the header row repeats on each page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _widths(table: Table, widths: list[int]) -> None:
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _no_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    # Keep CT_TblPr's element order (Word rejects files where it is wrong).
    tbl_pr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"
    )


def identity_table(document: DocxDocument, rows: list[tuple[str, tuple[Run, ...]]]) -> None:
    """A borderless two-column table: label, value."""
    table = document.add_table(rows=0, cols=2)
    _no_borders(table)
    for label, value in rows:
        row = table.add_row()
        _row_flags(row)
        _cell_text(row.cells[0], (label, True))
        _cell_text(row.cells[1], *value)
    width = _content_width(document)
    _widths(table, [Cm(5.2), width - Cm(5.2)])
    paragraph(document, "", space_after=Pt(2))


def _small_grey(run: DocxRun) -> None:
    run.font.size = Pt(8)
    run.font.color.rgb = GREY


def _field(para: Paragraph, instruction: str, placeholder: str) -> None:
    """A simple field (PAGE, NUMPAGES) whose cached result is `placeholder`."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run_element = OxmlElement("w:r")
    simple.append(run_element)
    para._p.append(simple)
    run = DocxRun(run_element, para)
    run.text = placeholder
    _small_grey(run)


# --------------------------------------------------------------------------- content


def _letterhead(document: DocxDocument) -> None:
    paragraph(document, ("{{ firm.name }}", True), size=Pt(15), color=ACCENT, space_after=Pt(1))
    paragraph(
        document, "{{ firm.legal_form }} d'expertise comptable", color=GREY, space_after=Pt(0)
    )
    paragraph(document, "{{ firm.address }}", color=GREY, space_after=Pt(0))
    paragraph(
        document,
        "SIREN {{ firm.siren }} — TVA intracommunautaire {{ firm.vat_number }}",
        color=GREY,
        space_after=Pt(0),
    )
    paragraph(
        document,
        "Inscrite au tableau de l'Ordre des experts-comptables — conseil régional : ",
        "{{ firm.ordre_council }}",
        color=GREY,
        space_after=Pt(14),
    )

    for runs in (
        (("{{ client.name }}", True),),
        ("À l'attention de {{ client_representative.full_name }}",),
        ("{{ client_representative.title }}",),
        ("{{ client.address }}",),
    ):
        para = paragraph(document, *runs, space_after=Pt(0))
        para.paragraph_format.left_indent = Cm(9.5)
    para = paragraph(document, "{{ letter.place }}, le {{ letter.date }}", space_after=Pt(14))
    para.paragraph_format.left_indent = Cm(9.5)
    para.paragraph_format.space_before = Pt(10)

    paragraph(
        document,
        ("Objet : ", True),
        "lettre de mission — ",
        ("{{ mission.name }}", True),
        " (version {{ letter.version }})",
        space_after=Pt(10),
    )
    paragraph(document, "Madame, Monsieur,")
    paragraph(
        document,
        "Nous vous remercions de la confiance que vous nous témoignez. La présente lettre de "
        "mission, établie conformément à l'article 151 du décret n° 2012-432 du 30 mars 2012 "
        "relatif à l'exercice de l'activité d'expertise comptable, a pour objet de définir les "
        "termes et les conditions de la mission que vous avez souhaité confier à notre cabinet. "
        "Elle forme, avec les conditions générales d'intervention qui y sont jointes, le "
        "contrat qui nous lie.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )


def _parties(document: DocxDocument) -> None:
    heading(document, "1. Les parties")
    heading(document, "1.1 Le cabinet", level=2)
    identity_table(
        document,
        [
            ("Dénomination", (("{{ firm.name }}", True),)),
            ("Forme juridique", ("{{ firm.legal_form }}",)),
            ("Adresse", ("{{ firm.address }}",)),
            ("SIREN", ("{{ firm.siren }}",)),
            ("N° de TVA intracommunautaire", ("{{ firm.vat_number }}",)),
            (
                "Inscription à l'Ordre",
                (
                    "Tableau de l'Ordre des experts-comptables, conseil régional : ",
                    "{{ firm.ordre_council }}",
                ),
            ),
            (
                "Représenté par",
                (
                    ("{{ firm_representative.full_name }}", True),
                    ", {{ firm_representative.title }}",
                ),
            ),
            ("Contact", ("{{ firm_representative.email }}",)),
        ],
    )
    heading(document, "1.2 Le client", level=2)
    identity_table(
        document,
        [
            ("Dénomination", (("{{ client.name }}", True),)),
            ("Forme juridique", ("{{ client.legal_form }}",)),
            ("SIREN", ("{{ client.siren }}",)),
            ("Adresse", ("{{ client.address }}",)),
            ("Activité", ("{{ client.activity }}",)),
            ("Clôture de l'exercice", ("{{ client.fiscal_year_end }}",)),
            (
                "Représenté par",
                (
                    ("{{ client_representative.full_name }}", True),
                    ", {{ client_representative.title }}",
                ),
            ),
            (
                "Contact",
                ("{{ client_representative.email }} — {{ client_representative.phone }}",),
            ),
        ],
    )


def _mission(document: DocxDocument) -> None:
    heading(document, "2. Nature, étendue et limites de la mission")
    paragraph(
        document,
        "Vous nous confiez la mission « ",
        ("{{ mission.name }}", True),
        " », qui comprend les prestations suivantes :",
    )
    paragraph(document, "{%p for line in lines %}")
    paragraph(
        document,
        ("{{ line.name }}", True),
        "{% if line.description %} — {{ line.description }}{% endif %}",
        style="List Bullet",
    )
    paragraph(document, "{%p endfor %}")
    paragraph(
        document,
        "Nous réaliserons ces travaux conformément aux normes professionnelles et au code de "
        "déontologie de la profession d'expert-comptable. Notre mission est une obligation de "
        "moyens. Elle ne constitue ni un audit ni un examen limité des comptes et ne comporte "
        "pas le contrôle de la matérialité des opérations : elle n'a donc pas pour objectif de "
        "déceler les fraudes, les erreurs ou les actes illégaux. Nous vous informerions "
        "toutefois de ceux dont nous viendrions à avoir connaissance.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )
    paragraph(
        document,
        "Toute prestation qui n'est pas mentionnée ci-dessus est exclue de la mission ; elle "
        "pourra faire l'objet d'un avenant ou d'une lettre de mission complémentaire.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )


def _period(document: DocxDocument) -> None:
    heading(document, "3. Durée de la mission")
    paragraph(
        document,
        "La mission porte sur la période du ",
        ("{{ mission.period_start }}", True),
        " au ",
        ("{{ mission.period_end }}", True),
        ", soit une durée de {{ mission.duration }}, pour l'exercice de votre entreprise qui se "
        "clôt le {{ client.fiscal_year_end }}. Elle prend effet à la signature de la présente "
        "lettre par les deux parties.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )
    paragraph(
        document,
        "À son terme, la mission se renouvelle chaque année par tacite reconduction, pour une "
        "durée d'un an, sauf dénonciation par l'une ou l'autre des parties par lettre "
        "recommandée avec demande d'avis de réception adressée au moins trois mois avant son "
        "échéance. Les conditions de résiliation anticipée figurent dans les conditions "
        "générales d'intervention.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )


def _obligations(document: DocxDocument) -> None:
    heading(document, "4. Répartition des obligations")
    paragraph(
        document,
        "La bonne exécution de la mission repose sur les engagements réciproques suivants, "
        "précisés par les conditions générales d'intervention.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )
    heading(document, "4.1 Obligations du cabinet", level=2)
    bullets(
        document,
        [
            "exécuter la mission avec diligence, conformément aux normes professionnelles de "
            "l'Ordre des experts-comptables et au code de déontologie ;",
            (
                "confier les travaux à des collaborateurs compétents, placés sous la "
                "responsabilité de ",
                ("{{ firm_representative.full_name }}", True),
                " ({{ firm_representative.title }}) ;",
            ),
            "respecter le secret professionnel et la confidentialité de vos informations, et "
            "traiter vos données personnelles conformément à la réglementation applicable ;",
            "vous alerter sans délai sur toute difficulté ou tout retard rencontré dans "
            "l'exécution de la mission ;",
            "conserver les documents que vous nous confiez et vous les restituer à la fin de "
            "la mission.",
        ],
    )
    heading(document, "4.2 Obligations du client", level=2)
    bullets(
        document,
        [
            "nous remettre, dans les délais convenus, l'ensemble des documents et informations "
            "nécessaires à la mission, complets, exacts et sincères, notamment en répondant aux "
            "demandes d'informations transmises par le portail ;",
            "tenir à notre disposition les pièces justificatives et procéder aux inventaires et "
            "contrôles qui vous incombent ;",
            "porter à notre connaissance les faits importants ou exceptionnels, les engagements "
            "hors bilan et tout changement de votre situation (dirigeants, bénéficiaires "
            "effectifs, activité) ;",
            "nous confirmer par écrit, à notre demande, que les informations transmises sont "
            "complètes et sincères ;",
            "régler nos honoraires aux échéances convenues.",
        ],
    )
    paragraph(
        document,
        "Vous restez responsable de la tenue de votre comptabilité, de la conservation des "
        "pièces, du respect de vos obligations légales et des décisions de gestion de votre "
        "entreprise.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )


def fees_table_section(document: DocxDocument, title: str = "5. Honoraires") -> None:
    heading(document, title)
    paragraph(
        document,
        "Nos honoraires, hors taxes, sont fixés pour chaque prestation comme suit :",
    )
    widths = [Cm(6.6), Cm(2.8), Cm(3.2), _content_width(document) - Cm(12.6)]
    right = WD_ALIGN_PARAGRAPH.RIGHT
    table = document.add_table(rows=0, cols=4)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER

    header = table.add_row()
    _row_flags(header, header=True)
    for cell, title, align in zip(
        header.cells,
        ("Prestation", "Fréquence", "Prix unitaire HT", "Montant annuel HT"),
        (None, None, right, right),
        strict=True,
    ):
        _cell_text(cell, (title, True), align=align)
        _shade(cell, HEADER_FILL)

    # docxtpl row syntax: the rows holding {%tr ...%} are replaced by the tag itself,
    # so the middle row repeats once per line.
    loop_start = table.add_row()
    _cell_text(loop_start.cells[0], "{%tr for line in lines %}")
    line_row = table.add_row()
    _row_flags(line_row)
    _cell_text(line_row.cells[0], "{{ line.name }}")
    _cell_text(line_row.cells[1], "{{ line.frequency_label }}")
    _cell_text(line_row.cells[2], "{{ line.price }}", align=right)
    _cell_text(line_row.cells[3], "{{ line.yearly_amount }}", align=right)
    loop_end = table.add_row()
    _cell_text(loop_end.cells[0], "{%tr endfor %}")

    for label, amount, bold in (
        ("Total HT", "{{ totals.excl_vat }}", True),
        ("TVA ({{ totals.vat_rate }})", "{{ totals.vat }}", False),
        ("Total TTC", "{{ totals.incl_vat }}", True),
    ):
        row = table.add_row()
        _row_flags(row)
        merged = row.cells[0].merge(row.cells[2])
        _cell_text(merged, (label, bold), align=right)
        _cell_text(row.cells[3], (amount, bold), align=right)
        _shade(merged, TOTAL_FILL)
        _shade(row.cells[3], TOTAL_FILL)
    _widths(table, widths)

    paragraph(
        document,
        "Le montant annuel d'une prestation est son prix unitaire multiplié par le nombre de "
        "fois où elle est rendue dans l'année (douze fois pour une prestation mensuelle, quatre "
        "fois trimestrielle, deux fois semestrielle, une fois annuelle) ; une prestation "
        "ponctuelle n'est facturée qu'une fois pour la mission.",
        size=Pt(9),
        color=GREY,
    ).paragraph_format.space_before = Pt(4)
    paragraph(document, ("Honoraires payables {{ mission.frequency_label }}.", True))
    paragraph(
        document,
        "Les factures sont payables à réception. Tout retard de paiement entraîne de plein "
        "droit des pénalités de retard et une indemnité forfaitaire pour frais de recouvrement "
        "de 40 € (article L. 441-10 du code de commerce). Les travaux non prévus par la "
        "présente lettre ne sont réalisés et facturés qu'après votre accord. Les honoraires "
        "sont révisables à chaque renouvellement de la mission.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )


def _aml(document: DocxDocument) -> None:
    heading(
        document,
        "6. Lutte contre le blanchiment des capitaux et le financement du terrorisme (LCB-FT)",
    )
    paragraph(
        document,
        "En application des articles L. 561-1 et suivants du code monétaire et financier, notre "
        "cabinet est tenu, avant d'entrer en relation d'affaires puis pendant toute sa durée, "
        "d'identifier son client et ses bénéficiaires effectifs, de vérifier leur identité et "
        "de recueillir des informations sur l'objet et la nature de la relation. Nous avons "
        "identifié le client comme suit :",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )
    bullets(
        document,
        [
            (
                "Client : ",
                ("{{ client.name }}", True),
                ", {{ client.legal_form }}, SIREN {{ client.siren }}, {{ client.address }} ;",
            ),
            ("Activité : {{ client.activity }} ;",),
            (
                "Représentant légal : ",
                ("{{ client_representative.full_name }}", True),
                ", {{ client_representative.title }}.",
            ),
        ],
    )
    paragraph(
        document,
        "Vous vous engagez à nous remettre les justificatifs demandés (notamment un extrait "
        "d'immatriculation récent, les statuts à jour, la pièce d'identité de votre "
        "représentant légal et l'identification de vos bénéficiaires effectifs) et à nous "
        "informer sans délai de toute modification de ces éléments. À défaut, nous ne "
        "pourrions pas commencer ni poursuivre la mission. Ces obligations peuvent conduire le "
        "cabinet à effectuer une déclaration auprès de la cellule de renseignement financier "
        "(Tracfin), dans les conditions prévues par la loi.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )


def _terms_and_disputes(document: DocxDocument) -> None:
    heading(document, "7. Conditions générales")
    paragraph(
        document,
        "Les conditions générales d'intervention du cabinet, jointes à la présente lettre, en "
        "font partie intégrante. Elles précisent notamment la responsabilité du cabinet et son "
        "assurance de responsabilité civile professionnelle, le secret professionnel, la "
        "protection des données personnelles et les conditions de résiliation. En cas de "
        "contradiction, la présente lettre prévaut sur les conditions générales.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )
    heading(document, "8. Différends")
    paragraph(
        document,
        "En cas de différend relatif à l'interprétation ou à l'exécution de la présente "
        "mission, y compris sur les honoraires, les parties s'engagent, avant toute action "
        "contentieuse, à rechercher une solution amiable puis, à défaut, à saisir le président "
        "du conseil régional de l'Ordre des experts-comptables dont relève le cabinet (",
        "{{ firm.ordre_council }}",
        ") aux fins de conciliation. Si la conciliation échoue, le différend sera porté "
        "devant les juridictions compétentes.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )


def _signatures(document: DocxDocument) -> None:
    heading(document, "9. Acceptation")
    paragraph(
        document,
        "Nous vous remercions de bien vouloir signer la présente lettre de mission, qui vaut "
        "acceptation de ses termes et des conditions générales d'intervention. Nous vous prions "
        "d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    ).paragraph_format.keep_with_next = True
    paragraph(
        document,
        "Fait à {{ letter.place }}, le {{ letter.date }}.",
        space_after=Pt(8),
    ).paragraph_format.keep_with_next = True

    signature_table(document)


def signature_table(document: DocxDocument) -> None:
    """Both parties side by side, each with room to sign: the provider places the signatures
    on the last page's "Signature :" lines."""
    table = document.add_table(rows=0, cols=2)
    _no_borders(table)
    rows: list[tuple[Run, Run]] = [
        (("Pour le cabinet", True), ("Pour le client", True)),
        ("{{ firm.name }}", "{{ client.name }}"),
        (
            ("{{ firm_representative.full_name }}", True),
            ("{{ client_representative.full_name }}", True),
        ),
        ("{{ firm_representative.title }}", "{{ client_representative.title }}"),
        ("Signature :", "Signature :"),
    ]
    for left, right in rows:
        row = table.add_row()
        _row_flags(row)
        _cell_text(row.cells[0], left)
        _cell_text(row.cells[1], right)
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
    space = table.add_row()
    space.height = Cm(2.5)
    half = _content_width(document) // 2
    _widths(table, [half, half])


def _footer(document: DocxDocument) -> None:
    page_footer(
        document,
        "{{ firm.name }} — Lettre de mission — {{ client.name }} — version {{ letter.version }}",
    )


def page_footer(document: DocxDocument, text: str) -> None:
    """`text` in small grey type, and "Page n / N" against the right margin."""
    para = document.sections[0].footer.paragraphs[0]
    para.paragraph_format.tab_stops.add_tab_stop(_content_width(document), WD_TAB_ALIGNMENT.RIGHT)
    _small_grey(para.add_run(text))
    _small_grey(para.add_run("\tPage "))
    _field(para, "PAGE", "1")
    _small_grey(para.add_run(" / "))
    _field(para, "NUMPAGES", "1")


def new_document(title: str, subject: str, keywords: str) -> DocxDocument:
    """An empty document with Sceau's styles, page and properties."""
    document = Document()
    _setup_styles(document)
    _setup_page(document)
    properties = document.core_properties
    properties.title = title
    properties.subject = subject
    properties.author = "Sceau"
    properties.comments = ""
    properties.language = "fr-FR"
    properties.keywords = keywords
    return document


def build(output: Path = OUTPUT) -> Path:
    document = new_document(
        "Lettre de mission", "Lettre de mission d'expertise comptable", "lettre de mission"
    )

    _letterhead(document)
    _parties(document)
    _mission(document)
    _period(document)
    _obligations(document)
    fees_table_section(document)
    _aml(document)
    _terms_and_disputes(document)
    _signatures(document)
    _footer(document)

    return save_template(document, output)


def save_template(document: DocxDocument, output: Path) -> Path:
    """Write `document` to `output` as a template: without python-docx's empty first
    paragraph, nor the ~100 table styles its default template brings and no Sceau template
    uses (every conversion would load them)."""
    body = document.element.body
    first = body[0]
    if first.tag == qn("w:p") and not "".join(first.itertext()).strip():
        body.remove(first)

    output.parent.mkdir(parents=True, exist_ok=True)
    full = output.with_name(f".{output.name}.full")
    document.save(str(full))
    if without_unused_table_styles(full, output, compression=zipfile.ZIP_DEFLATED):
        full.unlink()
    else:
        full.replace(output)
    return output


def run_builder(build: Callable[[Path], Path], default_output: Path) -> int:
    """A builder's command line: the output path is the first argument, else the default."""
    args = sys.argv[1:]
    print(build(Path(args[0]) if args else default_output))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_builder(build, OUTPUT))

"""Upload-time checks of a letter template's expressions, beside rendering.py's render path.

The sandbox refuses ``{{ ''.__class__ }}`` only when the expression runs, which would be the
day a letter is generated. So an upload is checked twice before it is kept: no expression
may name a private or dunder attribute anywhere, even in a branch a sample would not take;
and the template must render, in the same sandbox, with a sample letter holding every value
Sceau provides (so a misspelt ``client.fax`` is refused now, not at signature time).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import nodes

from documents.rendering import TemplateError, render_docx, sandboxed_environment
from domain.enums import Frequency, MissionStatus
from domain.letter import letter_context
from domain.models import Client, Firm, Mission, MissionLine, Representative, Staff


def _syntax_trees(template: bytes) -> list[nodes.Template]:
    """The Jinja trees docxtpl builds from the document, its headers and footers."""
    environment = sandboxed_environment()
    trees: list[nodes.Template] = []
    parse = environment.parse

    def keep(source: str, *args: Any, **kwargs: Any) -> nodes.Template:
        tree = parse(source, *args, **kwargs)
        trees.append(tree)
        return tree

    environment.parse = keep  # type: ignore[method-assign]
    DocxTemplate(BytesIO(template)).get_undeclared_template_variables(jinja_env=environment)
    return trees


def private_names(template: bytes) -> list[str]:
    """Attributes and keys starting with ``_`` that the template's expressions name."""
    found: list[str] = []
    for tree in _syntax_trees(template):
        for node in tree.find_all((nodes.Getattr, nodes.Const)):
            name = node.attr if isinstance(node, nodes.Getattr) else getattr(node, "value", None)
            # A key or filter argument counts when dunder ("__class__"); an attribute always.
            reaches = isinstance(node, nodes.Getattr) or str(name).startswith("__")
            if isinstance(name, str) and name.startswith("_") and reaches and name not in found:
                found.append(name)
    return found


def sample_context() -> dict[str, Any]:
    """A letter as Sceau would fill it, with every value present."""
    firm = Firm(
        name="Cabinet Exemple",
        legal_form="SAS",
        siren="123456789",
        address="1 rue de l'Exemple, 75001 Paris",
        city="Paris",
        vat_number="FR00123456789",
        ordre_council="Paris Île-de-France",
        vat_rate=Decimal("20.00"),
    )
    partner = Staff(
        firm_id=firm.id, email="associe@example.fr", first_name="Claire", last_name="Martin"
    )
    client = Client(firm_id=firm.id, name="Client Exemple", fiscal_year_end="12-31")
    representative = Representative(client_id=client.id, first_name="Jean", last_name="Dupont")
    mission = Mission(
        id="mis_sample",
        firm_id=firm.id,
        client_id=client.id,
        name="Mission exemple",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
        frequency=Frequency.monthly,
        status=MissionStatus.draft,
    )
    line = MissionLine(
        id="line_sample",
        mission_id=mission.id,
        position=0,
        service_id="svc_sample",
        code="TENUE",
        name="Tenue comptable",
        price=Decimal("100.00"),
        frequency=Frequency.monthly,
    )
    return letter_context(
        firm=firm,
        firm_representative=partner,
        client=client,
        client_representative=representative,
        mission=mission,
        lines=[line],
        letter_date=date(2027, 1, 1),
        version=1,
    )


def check_template_expressions(template: bytes) -> None:
    """Raise TemplateError, with a message for the uploader, unless the template is safe."""
    try:
        private = private_names(template)
    except TemplateError:
        raise
    except Exception as error:  # docxtpl and Jinja raise many kinds on a broken package
        raise TemplateError(f"the template cannot be read: {type(error).__name__}") from None
    if private:
        raise TemplateError(
            "forbidden expression in the template: it reaches for internal attributes "
            f"({', '.join(private[:5])})"
        )
    render_docx(template, sample_context())

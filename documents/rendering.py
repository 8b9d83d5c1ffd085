"""Render .docx letter templates (docxtpl + a sandboxed Jinja environment).

Pure functions, no Temporal imports: the activities wrap them.

Templates are uploaded by firms, so they run in Jinja's immutable sandbox: attribute access
to Python internals (`{{ ''.__class__ }}`), calls to unsafe methods and mutation of the
context fail. Undefined values are strict, so an unsafe attribute or a misspelt variable
stops the rendering (TemplateError) instead of leaving a silent blank in a letter that is
about to be signed; templates may still write `{% if x is defined %}` or `x | default('')`.

Every merged value is XML-escaped (autoescape), so `&`, `<`, `>`, quotes, accents and emoji
appear exactly as entered.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zipfile
from collections.abc import Callable, Mapping, MutableMapping
from io import BytesIO
from typing import Any, TypeVar

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, SecurityError
from jinja2.utils import LRUCache
from lxml import etree
from markupsafe import Markup, escape

__all__ = ["TemplateError", "render_docx", "sandboxed_environment", "template_variables"]

_T = TypeVar("_T")

# Bounds on operators that can exhaust memory or CPU in one expression
# (`'x' * 10**9`, `9 ** 9 ** 9`); the sandbox already bounds range().
_MAX_EXPONENT = 64
_MAX_POWER_BITS = 4096
_MAX_REPEATED_LENGTH = 100_000

# Template parts kept compiled: a letter template has a body, a few headers and footers and
# its core properties; this holds the parts of some fifty template versions.
MAX_CACHED_SOURCES = 512

# Characters XML 1.0 cannot hold. \a and \f are kept: docxtpl turns them into a new
# paragraph and a page break (as it turns \n into a line break and \t into a tab).
_XML_INVALID = re.compile("[\x00-\x06\x08\x0b\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class TemplateError(Exception):
    """The letter template cannot be used: not a .docx, bad Jinja, or a forbidden expression."""


class _LetterSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # docxtpl hands the environment each part's XML as a string on every render; for
        # one template version that string never changes, so it is compiled once.
        self.compiled_sources = LRUCache(MAX_CACHED_SOURCES)

    def from_string(
        self,
        source: str | jinja2.nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[jinja2.Template] | None = None,
    ) -> jinja2.Template:
        if not isinstance(source, str) or globals or template_class is not None:
            return super().from_string(source, globals, template_class)
        compiled = self.compiled_sources.get(source)
        if compiled is None:
            compiled = super().from_string(source)
            self.compiled_sources[source] = compiled
        return compiled

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
                raise SecurityError(f"exponent {right!r} is too large")
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and abs(left).bit_length() * abs(right) > _MAX_POWER_BITS
            ):
                raise SecurityError("power result is too large")
        elif operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if (
                    isinstance(sequence, str | bytes | list | tuple)
                    and isinstance(count, int)
                    and len(sequence) * count > _MAX_REPEATED_LENGTH
                ):
                    raise SecurityError("repetition result is too long")
        return super().call_binop(context, operator, left, right)


def _finalize(value: Any) -> Any:
    """Escape a merged value for WordprocessingML.

    Markup-like values (docxtpl RichText, Listing) are trusted XML and pass unchanged.
    For plain values, on top of XML escaping: characters XML cannot hold are dropped, and
    `_` becomes a character reference, because docxtpl rewrites `{_{`, `}_}`, `{_%` and
    `%_}` in its output (its own escape syntax) and would otherwise alter such values.
    """
    if hasattr(value, "__html__"):
        return value
    text = str(escape(value))  # str() of a strict Undefined raises, as it must
    text = _XML_INVALID.sub("", text).replace("_", "&#95;")
    return Markup(text)


def sandboxed_environment() -> SandboxedEnvironment:
    """A fresh sandboxed Jinja environment for letter templates (autoescape on)."""
    return _LetterSandbox(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )


# Rendering leaves the environment as it found it, so every letter shares one, and with it
# the compiled parts of every template version rendered so far in this process.
_shared_environment = sandboxed_environment()


@functools.lru_cache(maxsize=MAX_CACHED_SOURCES)
def _patched_xml(part_xml: str) -> str:
    return DocxTemplate.patch_xml(None, part_xml)  # type: ignore[arg-type]  # uses no state


class _LetterDocument(DocxTemplate):  # type: ignore[misc]
    """A DocxTemplate whose cleaning of each part's XML (a dozen regexes) runs once per part."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched_xml(src_xml)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SecurityError):
        return f"forbidden expression in the template: {exc}"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        lines = [line.strip() for line in getattr(exc, "docx_context", None) or [] if line]
        where = f" near: {' / '.join(lines)[:300]}" if lines else ""
        return f"template syntax error: {exc.message}{where}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"the template uses a value the letter does not provide: {exc.message}"
    if isinstance(exc, jinja2.TemplateError):
        return f"template error: {exc.message or exc}"
    if isinstance(exc, zipfile.BadZipFile | PackageNotFoundError):
        return "not a .docx document (the file is not a valid Word package)"
    if isinstance(exc, KeyError):
        return f"not a .docx document (missing part {exc})"
    if isinstance(exc, etree.XMLSyntaxError):
        return f"the .docx holds invalid XML: {exc}"
    return f"cannot render the template: {type(exc).__name__}: {exc}"


# What a broken or hostile template can raise from docx / docxtpl / Jinja / lxml.
_TEMPLATE_FAILURES: tuple[type[BaseException], ...] = (
    jinja2.TemplateError,  # includes SecurityError, TemplateSyntaxError, UndefinedError
    zipfile.BadZipFile,
    PackageNotFoundError,
    KeyError,
    ValueError,  # includes lxml's XMLSyntaxError, python-docx's invalid values
    TypeError,
    AttributeError,
    IndexError,
    OverflowError,
    RecursionError,
    MemoryError,
    etree.LxmlError,
)


def _guarded(action: Callable[[], _T]) -> _T:
    try:
        return action()
    except TemplateError:
        raise
    except _TEMPLATE_FAILURES as exc:
        raise TemplateError(_describe(exc)) from exc


def _open(template: bytes) -> DocxTemplate:
    if not isinstance(template, bytes | bytearray | memoryview):
        raise TemplateError("the template must be the bytes of a .docx file")
    if not zipfile.is_zipfile(BytesIO(template)):
        raise TemplateError("not a .docx document (the file is not a valid Word package)")
    return _LetterDocument(BytesIO(bytes(template)))


def render_docx(template: bytes, context: Mapping[str, Any]) -> bytes:
    """Render `template` (.docx bytes) with `context`; return the rendered .docx bytes."""

    def render() -> bytes:
        document = _open(template)
        document.render(dict(context), jinja_env=_shared_environment, autoescape=True)
        out = BytesIO()
        document.save(out)
        return out.getvalue()

    return _guarded(render)


# Variables by template SHA-256: a template version never changes, so it is parsed once
# (the template list asks for them on every call). Bounded by the number of versions kept.
_variables_by_sha: dict[str, frozenset[str]] = {}
MAX_CACHED_TEMPLATES = 1024


def template_variables(template: bytes) -> set[str]:
    """The top-level variables `template` uses and does not define itself."""
    key = hashlib.sha256(template).hexdigest()
    cached = _variables_by_sha.get(key)
    if cached is None:

        def variables() -> frozenset[str]:
            document = _open(template)
            found = document.get_undeclared_template_variables(jinja_env=sandboxed_environment())
            return frozenset(str(name) for name in found)

        cached = _guarded(variables)
        if len(_variables_by_sha) < MAX_CACHED_TEMPLATES:
            _variables_by_sha[key] = cached
    return set(cached)

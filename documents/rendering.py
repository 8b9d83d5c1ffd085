"""Render .docx letter templates (docxtpl + a sandboxed Jinja environment).

Pure functions, no Temporal imports: the activities wrap them.

Templates are uploaded by firms, so they run in Jinja's immutable sandbox: attribute access
to Python internals (`{{ ''.__class__ }}`), calls to unsafe methods and mutation of the
context fail. Undefined values are strict, so an unsafe attribute or a misspelt variable
stops the rendering (TemplateError) instead of leaving a silent blank in a letter that is
about to be signed; templates may still write `{% if x is defined %}` or `x | default('')`.

Every merged value is XML-escaped (autoescape), so `&`, `<`, `>`, quotes, accents and emoji
appear exactly as entered.

A template also runs on a budget (documents/budget.py): the sandbox refuses values that grow
past `MAX_STRING` (repetition, concatenation, widths and counts given to filters and string
methods, joins, replacements), ranges past `MAX_RANGE` items and `MAX_LOOP_TURNS` range items
over one rendering, and parts longer than `MAX_OUTPUT`; each rendering runs in a child process
with CPU, memory and wall-time limits for what the sandbox cannot see.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from io import BytesIO
from typing import Any, TypeVar

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, SecurityError
from jinja2.utils import LRUCache
from lxml import etree
from markupsafe import Markup, escape

from documents.budget import (
    DEFAULT_BUDGET,
    MAX_LOOP_TURNS,
    MAX_OUTPUT,
    MAX_RANGE,
    MAX_STRING,
    Budget,
    BudgetExceeded,
    run_within,
)
from domain.office_packages import PackageRefused, check_rendered_package

__all__ = ["TemplateError", "render_docx", "sandboxed_environment", "template_variables"]

_T = TypeVar("_T")

# Bounds on operators that can exhaust memory or CPU in one expression
# (`'x' * 10**9`, `9 ** 9 ** 9`); see also documents/budget.py.
_MAX_EXPONENT = 64
_MAX_POWER_BITS = 4096
_MAX_REPEATED_LENGTH = MAX_STRING
# A number this long in a format string is a width no letter needs (`'%999999999d'`).
_HUGE_NUMBER = re.compile(rf"\d{{{len(str(MAX_STRING))},}}")
# Range items left in the current rendering (None: not counted, outside render_docx).
_loop_turns: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "loop_turns", default=None
)

# Template parts kept compiled: a letter template has a body, a few headers and footers and
# its core properties; this holds the parts of some fifty template versions.
MAX_CACHED_SOURCES = 512

# Characters XML 1.0 cannot hold. \a and \f are kept: docxtpl turns them into a new
# paragraph and a page break (as it turns \n into a line break and \t into a tab).
_XML_INVALID = re.compile("[\x00-\x06\x08\x0b\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class TemplateError(Exception):
    """The letter template cannot be used: not a .docx, bad Jinja, or a forbidden expression."""


def _too_long(what: str) -> SecurityError:
    return SecurityError(f"{what} result is too long (at most {MAX_STRING} characters)")


def _refuse_growth(
    name: str, subject: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> None:
    """Refuse, before it runs, a filter or string method that would build a huge value."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_STRING:
            raise SecurityError(f"{name}: {value} is too large (at most {MAX_STRING})")
    if name in ("format", "format_map") and isinstance(subject, str):
        if _HUGE_NUMBER.search(subject):
            raise SecurityError(f"{name}: a width is too large (at most {MAX_STRING})")
    elif name == "join" and isinstance(subject, list | tuple):
        separator = args[0] if args and isinstance(args[0], str) else ""
        size = sum(len(str(item)) for item in subject) + len(separator) * len(subject)
        if size > MAX_STRING:
            raise _too_long("join")
    elif name == "replace" and isinstance(subject, str) and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        grown = len(subject) + (subject.count(old) + 1) * max(0, len(new) - len(old))
        if grown > MAX_STRING:
            raise _too_long("replace")


def _checked_length(name: str, result: Any) -> Any:
    if isinstance(result, str | list | tuple) and len(result) > MAX_STRING:
        raise _too_long(name)
    return result


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        # Filters take (value, ...), or (environment|context, value, ...) when pass_* marked.
        first = 1 if hasattr(function, "jinja_pass_arg") else 0
        if name == "join" and len(args) > first and not isinstance(args[first], str):
            # Counted before joining: an iterable is read once, into a list joined after.
            args = (*args[:first], list(args[first]), *args[first + 1 :])
        subject = args[first] if len(args) > first else None
        _refuse_growth(name, subject, args[first + 1 :], kwargs)
        return _checked_length(name, function(*args, **kwargs))

    return bounded


def _counted_range(*args: int) -> range:
    """`range`, at most MAX_RANGE items, all charged at once to the rendering's loop turns."""
    items = range(*args)
    if len(items) > MAX_RANGE:
        raise SecurityError(
            f"Range too big: a range holds at most {MAX_RANGE} items (the template's budget)"
        )
    turns = _loop_turns.get()
    if turns is not None:
        turns[0] -= len(items)
        if turns[0] < 0:
            raise SecurityError(
                f"the template exceeds its budget of {MAX_LOOP_TURNS} loop turns per letter"
            )
    return items


def _bounded_output(pieces: Iterable[str]) -> str:
    """`"".join`, refusing an output past MAX_OUTPUT characters before it is all built."""
    kept: list[str] = []
    size = 0
    for piece in pieces:
        size += len(piece)
        if size > MAX_OUTPUT:
            raise SecurityError(
                f"the template exceeds its budget: a part longer than {MAX_OUTPUT} characters"
            )
        kept.append(piece)
    return "".join(kept)


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with `~` going through the sandbox's bounded concatenation."""

    def visit_Concat(self, node: jinja2.nodes.Concat, frame: Frame) -> None:
        self.write("environment.call_concat(context, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _LetterSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})
    code_generator_class = _BoundedCodeGenerator
    concat = staticmethod(_bounded_output)  # type: ignore[assignment]

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _counted_range
        self.filters = {
            name: _bounded_filter(name, function) for name, function in self.filters.items()
        }
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
        elif operator == "%" and isinstance(left, str) and _HUGE_NUMBER.search(left):
            raise SecurityError(f"format: a width is too large (at most {MAX_STRING})")
        return _checked_length(operator, super().call_binop(context, operator, left, right))

    def call_concat(self, context: Any, values: tuple[Any, ...]) -> str:
        """`a ~ b ~ …`, refused past MAX_STRING characters (string doubling in a loop)."""
        if context.eval_ctx.autoescape:
            pieces: list[str] = [escape(value) for value in values]
        else:
            pieces = [str(value) for value in values]
        if sum(len(piece) for piece in pieces) > MAX_STRING:
            raise _too_long("concatenation")
        joined = "".join(pieces)
        return Markup(joined) if context.eval_ctx.autoescape else joined

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Calls from the template; string methods are held to MAX_STRING like filters."""
        target = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        subject = getattr(target, "__self__", None)
        if isinstance(subject, str):
            name = getattr(target, "__name__", "method")
            if name == "join" and args and not isinstance(args[0], str):
                args = (list(args[0]), *args[1:])
                _refuse_growth(name, args[0], (subject,), kwargs)
            else:
                _refuse_growth(name, subject, args, kwargs)
            return _checked_length(name, super().call(__context, __obj, *args, **kwargs))
        return super().call(__context, __obj, *args, **kwargs)


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


def render_docx(
    template: bytes, context: Mapping[str, Any], budget: Budget = DEFAULT_BUDGET
) -> bytes:
    """Render `template` (.docx bytes) with `context`; return the rendered .docx bytes.

    In a child process held to `budget`; TemplateError when the template fails, goes past its
    budget, or renders a document that refers to something outside itself.
    """
    try:
        rendered: bytes = run_within(budget, _render_here, bytes(template), dict(context))
    except BudgetExceeded as exceeded:
        raise TemplateError(f"the template exceeds its budget: {exceeded}") from None
    return rendered


def _render_here(template: bytes, context: dict[str, Any]) -> bytes:
    """The rendering itself, in this process (the budget's child)."""

    def render() -> bytes:
        turns = _loop_turns.set([MAX_LOOP_TURNS])
        try:
            document = _open(template)
            document.render(context, jinja_env=_shared_environment, autoescape=True)
        finally:
            _loop_turns.reset(turns)
        out = BytesIO()
        document.save(out)
        return out.getvalue()

    rendered = _guarded(render)
    # What the firm typed checked at upload; what the letter became is checked too (a field
    # code or a target built from merged values), before any converter sees it.
    try:
        check_rendered_package(rendered)
    except PackageRefused as refusal:
        raise TemplateError(f"the rendered letter cannot be used: {refusal}") from None
    return rendered


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

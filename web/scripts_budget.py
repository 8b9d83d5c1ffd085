"""What JavaScript each page template ships: the files its <script src> tags name, its inline
<script> bodies, and those of the templates it extends and includes (issue 16: ≤ 100 KB)."""

from __future__ import annotations

import re

from web.templating import STATIC_DIR, STATIC_URL, TEMPLATES_DIR

BUDGET_BYTES = 100 * 1024

_SCRIPT_SRC = re.compile(r'<script[^>]*\bsrc="\{\{ static \}\}/([^"]+)"')
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)
_PARENTS = re.compile(r'\{%-?\s*(?:extends|include)\s+"([^"]+)"')


def _scripts_of(name: str, seen: set[str]) -> tuple[set[str], int]:
    """The static scripts a template names (with its parents'), and its inline bytes."""
    if name in seen:
        return set(), 0
    seen.add(name)
    text = (TEMPLATES_DIR / name).read_text()
    files = set(_SCRIPT_SRC.findall(text))
    inline = sum(len(body.encode()) for body in _INLINE_SCRIPT.findall(text))
    for parent in _PARENTS.findall(text):
        parent_files, parent_inline = _scripts_of(parent, seen)
        files |= parent_files
        inline += parent_inline
    return files, inline


def page_scripts(name: str) -> dict[str, int]:
    """Each script a template ships with its size in bytes (uncompressed, as served);
    ``"<inline>"`` for the bodies of inline scripts."""
    files, inline = _scripts_of(name, set())
    sizes = {f"{STATIC_URL}/{path}": (STATIC_DIR / path).stat().st_size for path in files}
    if inline:
        sizes["<inline>"] = inline
    return sizes


def page_templates() -> list[str]:
    """Every template under web/templates, by its loader name."""
    return sorted(str(path.relative_to(TEMPLATES_DIR)) for path in TEMPLATES_DIR.rglob("*.html"))

"""UNO bridge: drives one warm LibreOffice over a UNO pipe, one conversion per request.

Run by `documents.converter_pool` under the system Python (`/usr/bin/python3`), which is
where Debian's `python3-uno` puts LibreOffice's bindings; Sceau's venv never imports this
module. Usage: ``python3 uno_bridge.py PIPE_NAME [CONNECT_TIMEOUT]``.

Protocol: JSON lines. The bridge writes ``{"ready": true}`` once connected to the
LibreOffice accepting on the UNO pipe PIPE_NAME (a Unix socket,
``/tmp/OSL_PIPE_<uid>_<name>``, in the slot's private /tmp when contained: no TCP, nothing
another process can reach), then for each request line
``{"src": "/abs/in.docx", "dst": "/abs/out.pdf"}`` answers one line:
``{"ok": true}`` or ``{"ok": false, "kind": "input" | "failed" | "dead", "error": "..."}``.
"input" means LibreOffice could not load the document (not a Word document, corrupt);
"dead" means the connection to LibreOffice is gone (the bridge then exits).

Only the standard library and `uno` are used, so the file runs on any Python 3 that has
LibreOffice's bindings.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from typing import Any

import uno  # type: ignore[import-not-found, unused-ignore]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found, unused-ignore]
from com.sun.star.connection import (  # type: ignore[import-not-found, unused-ignore]
    NoConnectException,
)
from com.sun.star.lang import (  # type: ignore[import-not-found, unused-ignore]
    DisposedException,
    IllegalArgumentException,
)
from com.sun.star.uno import RuntimeException  # type: ignore[import-not-found, unused-ignore]

DOCX_IMPORT_FILTER = "MS Word 2007 XML"
PDF_EXPORT_FILTER = "writer_pdf_Export"


def props(**values: Any) -> tuple[Any, ...]:
    return tuple(PropertyValue(Name=name, Value=value) for name, value in values.items())


def connect(pipe: str, timeout: float) -> Any:
    """The remote Desktop, retrying while LibreOffice is still starting."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + timeout
    while True:
        try:
            context = resolver.resolve(url)
            break
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)


def convert(desktop: Any, src: str, dst: str) -> tuple[dict[str, Any], Any]:
    """Load `src` and export it to `dst`: the reply, and the document still to close.

    The caller closes the document after replying: closing (~10 ms) is not part of the
    conversion the pool waits for, and the next request is read only once it is done.
    """
    try:
        document = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(src),
            "_blank",
            0,
            props(
                Hidden=True,
                ReadOnly=True,
                FilterName=DOCX_IMPORT_FILTER,
                MacroExecutionMode=0,  # NEVER_EXECUTE
                UpdateDocMode=0,  # NO_UPDATE: no links fetched
            ),
        )
    except IllegalArgumentException as exc:
        return {"ok": False, "kind": "input", "error": f"cannot load document: {exc.Message}"}, None
    except (DisposedException, RuntimeException):
        raise
    except Exception as exc:  # com.sun.star.io.IOException and friends: unreadable input
        message = getattr(exc, "Message", "") or type(exc).__name__
        return {"ok": False, "kind": "input", "error": f"cannot load document: {message}"}, None
    if document is None:
        return {"ok": False, "kind": "input", "error": "source file could not be loaded"}, None
    try:
        if not document.supportsService("com.sun.star.text.TextDocument"):
            return {"ok": False, "kind": "input", "error": "not a text document"}, document
        # PDF/A-2b; the document's bookmarks become named destinations (the general
        # conditions' start is one: esignature/places.py keeps signatures before it).
        filter_data = uno.Any(
            "[]com.sun.star.beans.PropertyValue",
            props(SelectPdfVersion=2, ExportBookmarksToPDFDestination=True),
        )
        arguments = (
            PropertyValue(Name="FilterName", Value=PDF_EXPORT_FILTER),
            PropertyValue(Name="FilterData", Value=filter_data),
            PropertyValue(Name="Overwrite", Value=True),
        )
        uno.invoke(document, "storeToURL", (uno.systemPathToFileUrl(dst), arguments))
    except (DisposedException, RuntimeException):
        close(document)
        raise
    except Exception as exc:
        message = getattr(exc, "Message", "") or type(exc).__name__
        return {"ok": False, "kind": "failed", "error": f"PDF export failed: {message}"}, document
    return {"ok": True}, document


def close(document: Any) -> None:
    if document is None:
        return
    try:
        document.close(True)
    except (DisposedException, RuntimeException):
        raise
    except Exception:
        with contextlib.suppress(Exception):
            document.dispose()


def main() -> int:
    pipe = sys.argv[1]
    connect_timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    # The protocol owns the original stdout; anything else printed goes to stderr.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)

    def reply(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    try:
        desktop = connect(pipe, connect_timeout)
    except Exception as exc:
        reply({"ready": False, "error": f"cannot connect to LibreOffice: {exc}"})
        return 1
    reply({"ready": True})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer, document = convert(desktop, request["src"], request["dst"])
        except (DisposedException, RuntimeException) as exc:
            message = getattr(exc, "Message", "") or type(exc).__name__
            reply({"ok": False, "kind": "dead", "error": f"LibreOffice went away: {message}"})
            return 1
        reply(answer)
        try:
            close(document)
        except (DisposedException, RuntimeException):
            # Already answered: exiting closes our stdout, which the pool reads as a dead
            # slot at its next request (and retries that one elsewhere).
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

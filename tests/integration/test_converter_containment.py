"""The warm LibreOffice pool is contained, whatever a document refers to (issue 14, point 1).

Documents go straight through the pool here, as if the upload check had missed them: a
linked image on a local HTTP listener is never requested, a linked local file (or one in
the data directory's secrets) never reaches the PDF, soffice's environment holds none of the
worker's secrets, it has no network and no TCP socket, and its profile tells it not to load
links.
"""

from __future__ import annotations

import http.server
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents import containment, converter_slots
from documents.converter_pool import ConverterPool
from documents.pdf import pdf_text, pdfa_part
from tests.documents import linked_image_document, tiny_png
from tests.integration.test_converter_pool import SYSTEM_PYTHON, pytestmark, soffice_bin_pids

__all__ = ["pytestmark"]

needs_namespaces = pytest.mark.skipif(
    not containment.namespaces_available(),
    reason="unshare --net --mount is not available here (not root?)",
)


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def _record(self) -> None:
        self.requests.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        body = tiny_png(16, 16, (10, 200, 10))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_OPTIONS = do_PROPFIND = _record

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server on the worker's 127.0.0.1 that records every request it gets."""
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"requests": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def without_link_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Profiles without the settings that keep LibreOffice from loading links."""
    kept = tuple(
        setting
        for setting in converter_slots._PROFILE_SETTINGS
        if setting[1] not in ("BlockUntrustedRefererLinks", "Link")
    )
    monkeypatch.setattr(converter_slots, "_PROFILE_SETTINGS", kept)


@pytest.fixture(scope="module", params=["as deployed", "namespaces alone", "profile alone"])
def pool(request: pytest.FixtureRequest) -> Iterator[ConverterPool]:
    """The pool as deployed, and with each layer of containment alone: each one suffices.

    The layer is taken away only while the pool starts, so no other test sees it missing.
    """
    pool = ConverterPool(1, python=SYSTEM_PYTHON)
    with pytest.MonkeyPatch.context() as monkeypatch:
        if request.param == "namespaces alone":
            if not containment.namespaces_available():
                pytest.skip("unshare --net --mount is not available here")
            without_link_settings(monkeypatch)
        elif request.param == "profile alone":
            monkeypatch.setattr(containment, "_probe_result", False)
        pool.start()
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data directory outside /tmp (so the tmpfs cover is what hides it), with a secret."""
    parent = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="sceau-data-", dir=parent))
    try:
        (root / "secrets").mkdir()
        (root / "secrets" / "webhook_secret").write_text(secrets.token_urlsafe(16))
        (root / "secrets" / "marker.png").write_bytes(tiny_png(24, 24, (200, 10, 200)))
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(BytesIO(pdf)).pages)


def linked_letter(tmp_path: Path, target: str, name: str = "lettre") -> Path:
    path = tmp_path / f"{name}.docx"
    path.write_bytes(linked_image_document(target, "Lettre de mission", "Client Exemple"))
    return path


def converted(pool: ConverterPool, source: Path, out: Path) -> bytes:
    pdf = pool.convert(source, out, timeout=60).read_bytes()
    assert pdfa_part(pdf) == ("2", "B")
    assert "Client Exemple" in pdf_text(pdf)
    return pdf


def slot_processes(pool: ConverterPool) -> list[int]:
    """soffice's processes and the bridge of slot 0."""
    slot = pool._slots[0]
    assert slot.bridge is not None
    return [*pool.soffice_pids()[0], slot.bridge.pid]


# ---------------------------------------------------------------- 1. environment


def test_libreoffice_environment_holds_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    canary = f"canary-{secrets.token_hex(8)}"
    monkeypatch.setenv("SCEAU_OPERATOR_TOKEN", canary)
    monkeypatch.setenv("SCEAU_WEBHOOK_SECRET", canary)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", canary)
    monkeypatch.setenv("YOUSIGN_API_KEY", canary)
    with ConverterPool(1, python=SYSTEM_PYTHON) as pool:
        slot = pool._slots[0]
        pids = slot_processes(pool)
        assert soffice_bin_pids(pool, 0)
        for pid in pids:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            assert canary.encode() not in environ, pid
            names = {entry.split(b"=", 1)[0].decode() for entry in environ.split(b"\0") if entry}
            assert not any(name.startswith(("SCEAU_", "AWS_", "YOUSIGN")) for name in names)
            assert "VIRTUAL_ENV" not in names and "PYTHONPATH" not in names
        soffice_env = dict(
            entry.decode().split("=", 1)
            for entry in Path(f"/proc/{soffice_bin_pids(pool, 0)[0]}/environ")
            .read_bytes()
            .split(b"\0")
            if entry
        )
        assert soffice_env["HOME"] == str(slot.profile)
        assert soffice_env["TMPDIR"] == str(slot.tmp)


# ---------------------------------------------------------------- 2. network


def test_a_linked_image_on_a_local_listener_is_never_requested(
    pool: ConverterPool, tmp_path: Path, listener: tuple[int, list[str]]
) -> None:
    port, requests = listener
    source = linked_letter(tmp_path, f"http://127.0.0.1:{port}/x.png")
    pdf = converted(pool, source, tmp_path / "out")
    assert requests == []
    assert image_count(pdf) == 0


def test_a_linked_local_file_is_not_embedded(pool: ConverterPool, tmp_path: Path) -> None:
    marker = tmp_path / "elsewhere" / "marker.png"
    marker.parent.mkdir()
    marker.write_bytes(tiny_png(24, 24, (200, 10, 200)))
    pdf = converted(pool, linked_letter(tmp_path, marker.as_uri()), tmp_path / "out")
    assert image_count(pdf) == 0


@needs_namespaces
def test_libreoffice_has_no_network_and_uno_is_not_tcp() -> None:
    with ConverterPool(1, python=SYSTEM_PYTHON) as pool:
        check_no_network(pool)


def check_no_network(pool: ConverterPool) -> None:
    own = os.readlink("/proc/self/ns/net")
    for pid in slot_processes(pool):
        assert os.readlink(f"/proc/{pid}/ns/net") != own, pid
        # No TCP socket among its file descriptors (UNO goes over a pipe).
        sockets = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                sockets.add(target[len("socket:[") : -1])
        for table in ("tcp", "tcp6"):
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
            assert not sockets & {line.split()[9] for line in lines}, (pid, table)
    cmdline = Path(f"/proc/{soffice_bin_pids(pool, 0)[0]}/cmdline").read_bytes()
    assert b"--accept=pipe,name=sceau-" in cmdline and b"socket," not in cmdline


# ---------------------------------------------------------------- 3. the data directory


@needs_namespaces
def test_a_linked_secret_in_the_data_directory_is_not_embedded(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Even with LibreOffice's link settings off, as if they could be bypassed.
    without_link_settings(monkeypatch)
    marker = data_dir / "secrets" / "marker.png"
    with ConverterPool(1, python=SYSTEM_PYTHON, hide=[data_dir]) as pool:
        pdf = converted(pool, linked_letter(tmp_path, marker.as_uri()), tmp_path / "out")
        assert image_count(pdf) == 0
        # From inside, the data directory is an empty tmpfs; the slot is still there.
        for pid in slot_processes(pool):
            root = Path(f"/proc/{pid}/root")
            inside = root / str(data_dir).lstrip("/")
            assert not inside.exists() or list(inside.iterdir()) == [], pid
            assert (root / str(pool._slots[0].profile).lstrip("/")).is_dir()


# ---------------------------------------------------------------- 4. LibreOffice's settings


def test_the_profile_tells_libreoffice_not_to_load_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without namespaces (a developer machine that cannot make them), LibreOffice's own
    # settings still keep a linked local file out of the PDF.
    monkeypatch.setattr(containment, "_probe_result", False)
    marker = tmp_path / "marker.png"
    marker.write_bytes(tiny_png(24, 24, (200, 10, 200)))
    with ConverterPool(1, python=SYSTEM_PYTHON) as pool:
        settings = (pool._slots[0].profile / "user" / "registrymodifications.xcu").read_text()
        assert '"BlockUntrustedRefererLinks"' in settings
        assert '<item oor:path="/org.openoffice.Office.Writer/Content/Update">' in settings
        pdf = converted(pool, linked_letter(tmp_path, marker.as_uri()), tmp_path / "out")
        assert image_count(pdf) == 0

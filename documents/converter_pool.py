"""A pool of warm LibreOffice processes that convert .docx letters to PDF/A-2b.

Same contract as `documents.pdf.convert_to_pdf` (PDF/A-2b, `out_dir/<stem>.pdf` written
atomically, `ConversionError` with a readable message), without paying LibreOffice's start-up
on every document. See docs/pdf-conversion.md for the design and the measured figures.

Each slot of the pool is two subprocesses, both in their own process group:
- `soffice --headless --accept=socket,host=127.0.0.1,port=N;urp;...` with its own profile
  (`-env:UserInstallation=file:///…/slot-K/profile`) and its own port;
- `/usr/bin/python3 documents/uno_bridge.py N`, LibreOffice's Python (Debian's
  `python3-uno`), which drives that soffice over UNO and talks to us in JSON lines over its
  stdin/stdout. The venv never imports `uno`.

A conversion takes an idle slot (callers wait in a bounded queue; `PoolFullError` when the
bound is reached, `ConversionError` when no slot frees up in `acquire_timeout`). A slot is
restarted in the background after `max_conversions` conversions, when its processes die
(the conversion is then retried once on another slot, so a crash loses no letter), and after
a timeout (the slot is killed and the conversion fails). Thread-safe: Temporal runs sync
activities in a thread pool.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from documents.docx_styles import without_unused_table_styles
from documents.pdf import ConversionError, checked_paths

__all__ = [
    "BRIDGE_SCRIPT",
    "ConverterPool",
    "InvalidDocumentError",
    "PoolClosedError",
    "PoolFullError",
]

log = logging.getLogger("sceau.converter_pool")

BRIDGE_SCRIPT = Path(__file__).with_name("uno_bridge.py")
_LOG_TAIL = 2000


class InvalidDocumentError(ConversionError):
    """The input is not a Word document LibreOffice can read: retrying will not help."""


class PoolFullError(ConversionError):
    """Too many conversions are already waiting for a LibreOffice process."""


class PoolClosedError(ConversionError):
    """The pool is closed (or was never started)."""


class _SlotDied(Exception):
    """The slot's LibreOffice or bridge went away during a conversion."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _kill_group(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL) -> None:
    if proc is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)


def _group_pids(pgid: int) -> list[int]:
    """Every live process in process group `pgid` (soffice forks oosplash → soffice.bin)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces, so split after the last ')'.
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tail(path: Path) -> str:
    try:
        data = path.read_bytes()[-_LOG_TAIL:]
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace").strip()


@dataclass
class _Slot:
    index: int
    root: Path
    port: int = 0
    soffice: subprocess.Popen[bytes] | None = None
    bridge: subprocess.Popen[bytes] | None = None
    replies: queue.Queue[dict[str, Any] | None] = field(default_factory=queue.Queue)
    conversions: int = 0
    generation: int = 0

    @property
    def profile(self) -> Path:
        return self.root / "profile"

    @property
    def log_path(self) -> Path:
        return self.root / "libreoffice.log"

    def alive(self) -> bool:
        return (
            self.soffice is not None
            and self.bridge is not None
            and self.soffice.poll() is None
            and self.bridge.poll() is None
        )

    def pids(self) -> list[int]:
        """LibreOffice's processes (soffice script, oosplash, soffice.bin) for this slot."""
        return _group_pids(self.soffice.pid) if self.soffice is not None else []

    def kill(self) -> None:
        """SIGKILL the bridge and LibreOffice, and reap them.

        soffice.bin is killed first so that its parent (oosplash, our child) reaps it and
        exits: killing the parent first would leave soffice.bin to the container's init,
        which may never reap it.
        """
        _kill_group(self.bridge)
        if self.soffice is not None:
            leader = self.soffice.pid
            for pid in _group_pids(leader):
                if pid != leader:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.soffice.wait(timeout=2)
            _kill_group(self.soffice)
        for proc in (self.bridge, self.soffice):
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
        self.soffice = self.bridge = None


# Settings a conversion-only LibreOffice never needs, written into each new profile before
# its first start: no autosave or crash-recovery snapshots, no background spelling or
# grammar checking of the loaded letter, no JVM, no recent-documents list, no lock files.
_PROFILE_SETTINGS = (
    ("/org.openoffice.Office.Common/Save/Document", "AutoSave", "false"),
    ("/org.openoffice.Office.Recovery/AutoSave", "Enabled", "false"),
    ("/org.openoffice.Office.Recovery/RecoveryInfo", "Enabled", "false"),
    ("/org.openoffice.Office.Linguistic/SpellChecking", "IsSpellAuto", "false"),
    ("/org.openoffice.Office.Linguistic/GrammarChecking", "IsAutoCheck", "false"),
    ("/org.openoffice.Office.Java/VirtualMachine", "Enable", "false"),
    ("/org.openoffice.Office.Common/History", "PickListSize", "0"),
    ("/org.openoffice.Office.Common/Misc", "UseLocking", "false"),
)


def _seed_profile(profile: Path) -> None:
    """Write `_PROFILE_SETTINGS` as the profile's registrymodifications.xcu, once."""
    settings = profile / "user" / "registrymodifications.xcu"
    if settings.exists():
        return
    settings.parent.mkdir(parents=True, exist_ok=True)
    items = "".join(
        f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse">'
        f"<value>{value}</value></prop></item>\n"
        for path, name, value in _PROFILE_SETTINGS
    )
    settings.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{items}</oor:items>\n",
        encoding="utf-8",
    )


POOL_PREFIX = "sceau-pool-"
OWNER_FILE = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans(parent: Path) -> None:
    """Kill the LibreOffice processes of pools whose worker died without closing them.

    A worker killed with SIGKILL cannot stop its pool; the next pool on the machine does it,
    finding the dead owner's profiles by the pid file each pool keeps in its directory.
    """
    for root in parent.glob(f"{POOL_PREFIX}*"):
        try:
            owner = int((root / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        marker = str(root).encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker in (entry / "cmdline").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ValueError):
                continue
        shutil.rmtree(root, ignore_errors=True)


class ConverterPool:
    """`size` warm LibreOffice processes converting .docx to PDF/A-2b; see the module doc."""

    def __init__(
        self,
        size: int = 2,
        *,
        soffice: str = "soffice",
        python: str = "/usr/bin/python3",
        max_conversions: int = 200,
        max_waiting: int = 64,
        acquire_timeout: float = 60.0,
        start_timeout: float = 60.0,
        work_dir: Path | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("a converter pool needs at least one process")
        self.size = size
        self.soffice = soffice
        self.python = python
        self.max_conversions = max_conversions
        self.max_waiting = max_waiting
        self.acquire_timeout = acquire_timeout
        self.start_timeout = start_timeout
        self._work_parent = work_dir
        self._root: Path | None = None
        self._idle: queue.Queue[_Slot] = queue.Queue()
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()
        self._waiting = 0
        self._closed = True
        self._restarts = 0
        self._restart_threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ life cycle

    def start(self) -> ConverterPool:
        """Start every process (in parallel) and wait until each one answers."""
        with self._lock:
            if not self._closed:
                return self
            self._closed = False
            reap_orphans(Path(self._work_parent or tempfile.gettempdir()))
            self._root = Path(tempfile.mkdtemp(prefix=POOL_PREFIX, dir=self._work_parent))
            (self._root / OWNER_FILE).write_text(str(os.getpid()))
            self._slots = [_Slot(index=i, root=self._root / f"slot-{i}") for i in range(self.size)]
        errors: list[BaseException] = []

        def boot(slot: _Slot) -> None:
            try:
                self._start_slot(slot)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=boot, args=(slot,)) for slot in self._slots]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            self.close()
            raise ConversionError(f"cannot start the LibreOffice pool: {errors[0]}")
        for slot in self._slots:
            self._idle.put(slot)
        log.info("converter pool started: %d LibreOffice processes", self.size)
        return self

    def close(self) -> None:
        """Stop every process and remove the profiles; idempotent."""
        with self._lock:
            if self._closed and self._root is None:
                return
            self._closed = True
            slots, self._slots = self._slots, []
            threads, self._restart_threads = self._restart_threads, []
        for slot in slots:
            slot.kill()
        for thread in threads:
            thread.join(timeout=self.start_timeout)
        for slot in slots:  # a restart that finished during close
            slot.kill()
        while True:
            try:
                self._idle.get_nowait()
            except queue.Empty:
                break
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def __enter__(self) -> ConverterPool:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    # ------------------------------------------------------------------ introspection

    @property
    def restarts(self) -> int:
        """How many times a slot was restarted (recycled, crashed or timed out)."""
        return self._restarts

    def soffice_pids(self) -> list[list[int]]:
        """Per slot, the pids of its LibreOffice processes (for tests and monitoring)."""
        return [slot.pids() for slot in list(self._slots)]

    def memory_rss_bytes(self) -> int:
        """Resident memory of every LibreOffice process of the pool (bridges excluded)."""
        return sum(_rss_bytes(pid) for pids in self.soffice_pids() for pid in pids)

    # ------------------------------------------------------------------ conversion

    def convert(self, docx_path: Path, out_dir: Path, timeout: float = 120.0) -> Path:
        """Convert `docx_path` to `out_dir/<stem>.pdf` (PDF/A-2b) and return that path.

        Raises InvalidDocumentError for an input LibreOffice cannot read, PoolFullError when
        too many callers already wait, ConversionError otherwise (timeout, crash twice,
        no PDF). The PDF appears atomically; nothing is left in `out_dir` on failure.
        """
        docx_path, target = checked_paths(docx_path, out_dir, InvalidDocumentError)
        slim = self._slimmed(docx_path)
        try:
            return self._convert_checked(docx_path, slim or docx_path, target, timeout)
        finally:
            if slim is not None:
                slim.unlink(missing_ok=True)

    def _slimmed(self, docx_path: Path) -> Path | None:
        """A copy of `docx_path` without its unused table styles, or None (load the original).

        Done before taking a process, so it overlaps the other callers' conversions.
        """
        root = self._root
        if root is None:
            return None
        slim = root / f"input-{uuid.uuid4().hex}.docx"
        return slim if without_unused_table_styles(docx_path, slim) else None

    def _convert_checked(self, docx_path: Path, source: Path, target: Path, timeout: float) -> Path:
        attempts = 2  # a crash of LibreOffice is retried once, on another process
        for attempt in range(1, attempts + 1):
            slot = self._acquire()
            try:
                produced = self._convert_on(slot, docx_path, source, timeout)
            except _SlotDied as exc:
                self._restart_later(slot)
                if attempt == attempts:
                    raise ConversionError(
                        f"LibreOffice crashed twice converting {docx_path.name}: {exc}"
                    ) from exc
                log.warning("LibreOffice slot %d died (%s); retrying", slot.index, exc)
                continue
            except ConversionError:
                # A bad input leaves the process healthy; a timeout has killed it.
                if slot.alive():
                    self._release(slot)
                else:
                    self._restart_later(slot)
                raise
            except BaseException:
                self._restart_later(slot)
                raise
            try:
                return self._publish(produced, target.parent, target, docx_path.name)
            finally:
                shutil.rmtree(produced.parent, ignore_errors=True)
                self._release(slot)
        raise AssertionError("unreachable")

    def _acquire(self) -> _Slot:
        with self._lock:
            if self._closed:
                raise PoolClosedError("the LibreOffice pool is not running")
            if self._idle.empty() and self._waiting >= self.max_waiting:
                raise PoolFullError(
                    f"the PDF converter is saturated: {self._waiting} conversions are already "
                    f"waiting for one of {self.size} LibreOffice processes"
                )
            self._waiting += 1
        try:
            deadline = time.monotonic() + self.acquire_timeout
            while True:
                remaining = deadline - time.monotonic()
                try:
                    slot = self._idle.get(timeout=max(remaining, 0.0))
                except queue.Empty:
                    raise ConversionError(
                        f"no LibreOffice process became free within {self.acquire_timeout:g} s"
                    ) from None
                if self._closed:
                    raise PoolClosedError("the LibreOffice pool was closed")
                if slot.alive():
                    return slot
                # Died while idle (killed by hand, OOM): replace it and take another.
                log.warning("LibreOffice slot %d died while idle; restarting", slot.index)
                self._restart_later(slot)
        finally:
            with self._lock:
                self._waiting -= 1

    def _release(self, slot: _Slot) -> None:
        if self._closed:
            slot.kill()
        elif slot.conversions >= self.max_conversions or not slot.alive():
            self._restart_later(slot)
        else:
            self._idle.put(slot)

    def _convert_on(self, slot: _Slot, docx_path: Path, source: Path, timeout: float) -> Path:
        """Convert `source` (`docx_path` or its slimmed copy) on `slot`; the produced PDF,
        in a private directory, named after `docx_path`."""
        assert slot.root is not None and slot.bridge is not None and slot.bridge.stdin
        work = Path(tempfile.mkdtemp(prefix="job-", dir=slot.root))
        produced = work / f"{docx_path.stem}.pdf"
        slot.conversions += 1
        # Left over from an earlier, abandoned request? Nothing is ever abandoned without
        # killing the slot, but draining keeps a stale reply from answering this request.
        while not slot.replies.empty():
            slot.replies.get_nowait()
        request = json.dumps({"src": str(source), "dst": str(produced)}) + "\n"
        try:
            slot.bridge.stdin.write(request.encode())
            slot.bridge.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise _SlotDied(f"the bridge does not accept requests: {exc}") from exc
        try:
            reply = slot.replies.get(timeout=timeout)
        except queue.Empty:
            shutil.rmtree(work, ignore_errors=True)
            log.warning("conversion of %s timed out; killing slot %d", docx_path.name, slot.index)
            slot.kill()
            raise ConversionError(
                f"LibreOffice timed out after {timeout:g} s converting {docx_path.name}"
            ) from None
        if reply is None or reply.get("kind") == "dead":
            shutil.rmtree(work, ignore_errors=True)
            detail = reply.get("error") if reply else "the bridge exited"
            raise _SlotDied(f"{detail}; {_tail(slot.log_path)[-300:]}".rstrip("; "))
        if not reply.get("ok"):
            shutil.rmtree(work, ignore_errors=True)
            # A document that made LibreOffice die is a crash, not a bad input.
            if not slot.alive():
                raise _SlotDied(str(reply.get("error")))
            message = f"LibreOffice cannot convert {docx_path.name}: {reply.get('error')}"
            if reply.get("kind") == "input":
                raise InvalidDocumentError(message)
            raise ConversionError(message)
        return produced

    @staticmethod
    def _publish(produced: Path, out_dir: Path, target: Path, name: str) -> Path:
        if not produced.is_file() or produced.stat().st_size == 0:
            raise ConversionError(f"LibreOffice produced no PDF for {name}")
        with produced.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                raise ConversionError(f"LibreOffice output for {name} is not a PDF")
        partial = out_dir / f".{target.stem}.{uuid.uuid4().hex}.pdf.part"
        try:
            shutil.copyfile(produced, partial)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return target

    # ------------------------------------------------------------------ processes

    def _start_slot(self, slot: _Slot) -> None:
        """Start soffice and its bridge; retry once on a fresh profile."""
        try:
            self._spawn(slot)
        except ConversionError as first:
            log.warning(
                "slot %d did not start (%s); retrying on a fresh profile", slot.index, first
            )
            slot.kill()
            shutil.rmtree(slot.profile, ignore_errors=True)
            self._spawn(slot)

    def _spawn(self, slot: _Slot) -> None:
        slot.root.mkdir(parents=True, exist_ok=True)
        _seed_profile(slot.profile)
        slot.port = _free_port()
        slot.conversions = 0
        slot.generation += 1
        slot.replies = queue.Queue()
        env = {**os.environ, "TMPDIR": str(slot.root)}
        with slot.log_path.open("ab") as log_file:
            try:
                slot.soffice = subprocess.Popen(
                    [
                        self.soffice,
                        f"-env:UserInstallation={slot.profile.as_uri()}",
                        "--headless",
                        "--invisible",
                        "--nologo",
                        "--nodefault",
                        "--nolockcheck",
                        "--norestore",
                        "--nofirststartwizard",
                        f"--accept=socket,host=127.0.0.1,port={slot.port};urp;"
                        "StarOffice.ComponentContext",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=log_file,
                    env=env,
                    cwd=slot.root,
                    start_new_session=True,
                )
            except OSError as exc:
                raise ConversionError(
                    f"cannot start LibreOffice ({self.soffice!r}): {exc}"
                ) from exc
            # LibreOffice's Python, not ours: no venv variables may leak into it.
            bridge_env = {
                key: value
                for key, value in env.items()
                if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
            }
            try:
                slot.bridge = subprocess.Popen(
                    [
                        self.python,
                        str(BRIDGE_SCRIPT),
                        str(slot.port),
                        str(self.start_timeout),
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log_file,
                    env=bridge_env,
                    cwd=slot.root,
                    start_new_session=True,
                )
            except OSError as exc:
                raise ConversionError(
                    f"cannot start the UNO bridge ({self.python!r}): {exc}"
                ) from exc
        threading.Thread(
            target=self._read_replies,
            args=(slot.bridge, slot.replies),
            name=f"uno-bridge-{slot.index}",
            daemon=True,
        ).start()
        try:
            hello = slot.replies.get(timeout=self.start_timeout + 5)
        except queue.Empty:
            raise ConversionError(
                f"LibreOffice did not answer within {self.start_timeout:g} s: "
                f"{_tail(slot.log_path)}"
            ) from None
        if not hello or not hello.get("ready"):
            detail = (hello or {}).get("error") or "the UNO bridge exited"
            raise ConversionError(
                f"{detail} (is python3-uno installed for {self.python}?): {_tail(slot.log_path)}"
            )

    @staticmethod
    def _read_replies(
        bridge: subprocess.Popen[bytes], replies: queue.Queue[dict[str, Any] | None]
    ) -> None:
        assert bridge.stdout is not None
        for line in bridge.stdout:
            try:
                replies.put(json.loads(line))
            except ValueError:
                continue
        replies.put(None)  # EOF: the bridge is gone

    def _restart_later(self, slot: _Slot) -> None:
        """Kill `slot` and bring it back in the background; it rejoins the idle queue."""
        slot.kill()
        with self._lock:
            if self._closed:
                return
            self._restarts += 1
            thread = threading.Thread(
                target=self._restart, args=(slot,), name=f"pool-restart-{slot.index}", daemon=True
            )
            self._restart_threads = [t for t in self._restart_threads if t.is_alive()]
            self._restart_threads.append(thread)
        thread.start()

    def _restart(self, slot: _Slot) -> None:
        delay = 0.5
        while not self._closed:
            try:
                self._start_slot(slot)
            except ConversionError as exc:
                log.error("LibreOffice slot %d cannot restart: %s", slot.index, exc)
                slot.kill()
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if self._closed:
                slot.kill()
            else:
                self._idle.put(slot)
            return

"""A pool of warm LibreOffice processes that convert .docx letters to PDF/A-2b.

Same contract as `documents.pdf.convert_to_pdf` (PDF/A-2b, `out_dir/<stem>.pdf` written
atomically, `ConversionError` with a readable message), without paying LibreOffice's start-up
on every document. See docs/pdf-conversion.md for the design and the measured figures.

Each slot of the pool is a warm soffice and the UNO bridge that drives it
(`documents.converter_slots`). A conversion takes an idle slot (callers wait in a bounded
queue; `PoolFullError` when the bound is reached, `ConversionError` when no slot frees up in
`acquire_timeout`). A slot is restarted in the background after `max_conversions`
conversions, when its processes die (the conversion is then retried once on another slot, so
a crash loses no letter), and after a timeout (the slot is killed and the conversion fails).
Thread-safe: Temporal runs sync activities in a thread pool.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from documents.converter_slots import (
    BRIDGE_SCRIPT,
    OWNER_FILE,
    POOL_PREFIX,
    Slot,
    SlotDied,
    log_tail,
    reap_orphans,
    start_slot,
)
from documents.docx_styles import without_unused_table_styles
from documents.pdf import ConversionError, checked_paths
from documents.processes import checked_pdf, publish_atomically, rss_bytes

__all__ = [
    "BRIDGE_SCRIPT",
    "ConverterPool",
    "InvalidDocumentError",
    "PoolClosedError",
    "PoolFullError",
]

log = logging.getLogger("sceau.converter_pool")


class InvalidDocumentError(ConversionError):
    """The input is not a Word document LibreOffice can read: retrying will not help."""


class PoolFullError(ConversionError):
    """Too many conversions are already waiting for a LibreOffice process."""


class PoolClosedError(ConversionError):
    """The pool is closed (or was never started)."""


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
        hide: Sequence[Path] = (),
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
        # Directories LibreOffice must not see (the data directory: secrets, GED files); the
        # pool's own directory is added at start. See documents/containment.py.
        self.hide = tuple(Path(path).resolve() for path in hide)
        self._root: Path | None = None
        self._idle: queue.Queue[Slot] = queue.Queue()
        self._slots: list[Slot] = []
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
            hidden = (*self.hide, self._root.resolve())
            self._slots = [
                Slot(index=i, root=self._root.resolve() / f"slot-{i}", hide=hidden)
                for i in range(self.size)
            ]
        errors: list[BaseException] = []

        def boot(slot: Slot) -> None:
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
        return sum(rss_bytes(pid) for pids in self.soffice_pids() for pid in pids)

    # ------------------------------------------------------------------ conversion

    def convert(self, docx_path: Path, out_dir: Path, timeout: float = 120.0) -> Path:
        """Convert `docx_path` to `out_dir/<stem>.pdf` (PDF/A-2b) and return that path.

        Raises InvalidDocumentError for an input LibreOffice cannot read, PoolFullError when
        too many callers already wait, ConversionError otherwise (timeout, crash twice,
        no PDF). The PDF appears atomically; nothing is left in `out_dir` on failure.
        """
        deadline = time.monotonic() + timeout
        docx_path, target = checked_paths(docx_path, out_dir, InvalidDocumentError)
        slim = self._slimmed(docx_path)
        try:
            # Preparing the document counts against the same time limit as converting it.
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConversionError(
                    f"LibreOffice timed out after {timeout:g} s converting {docx_path.name}"
                )
            return self._convert_checked(docx_path, slim or docx_path, target, remaining)
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
            except SlotDied as exc:
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
                checked_pdf(produced, docx_path.name)
                return publish_atomically(produced, target)
            finally:
                shutil.rmtree(produced.parent, ignore_errors=True)
                self._release(slot)
        raise AssertionError("unreachable")

    def _acquire(self) -> Slot:
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

    def _release(self, slot: Slot) -> None:
        if self._closed:
            slot.kill()
        elif slot.conversions >= self.max_conversions or not slot.alive():
            self._restart_later(slot)
        else:
            self._idle.put(slot)

    def _convert_on(self, slot: Slot, docx_path: Path, source: Path, timeout: float) -> Path:
        """Convert `source` (`docx_path` or its slimmed copy) on `slot`; the produced PDF,
        in a private directory, named after `docx_path`."""
        assert slot.root is not None and slot.bridge is not None and slot.bridge.stdin
        work = Path(tempfile.mkdtemp(prefix="job-", dir=slot.root))
        produced = work / f"{docx_path.stem}.pdf"
        # LibreOffice sees only its slot: the input goes in the job's folder (a hard link to
        # the pool's slimmed copy, else a copy of the original).
        inside = work / "input.docx"
        try:
            try:
                os.link(source, inside)
            except OSError:
                shutil.copyfile(source, inside)
        except OSError as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise ConversionError(f"cannot stage {docx_path.name} for LibreOffice: {exc}") from exc
        source = inside
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
            raise SlotDied(f"the bridge does not accept requests: {exc}") from exc
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
            raise SlotDied(f"{detail}; {log_tail(slot.log_path)[-300:]}".rstrip("; "))
        if not reply.get("ok"):
            shutil.rmtree(work, ignore_errors=True)
            # A document that made LibreOffice die is a crash, not a bad input.
            if not slot.alive():
                raise SlotDied(str(reply.get("error")))
            message = f"LibreOffice cannot convert {docx_path.name}: {reply.get('error')}"
            if reply.get("kind") == "input":
                raise InvalidDocumentError(message)
            raise ConversionError(message)
        return produced

    # ------------------------------------------------------------------ processes

    def _start_slot(self, slot: Slot) -> None:
        start_slot(slot, soffice=self.soffice, python=self.python, start_timeout=self.start_timeout)

    def _restart_later(self, slot: Slot) -> None:
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

    def _restart(self, slot: Slot) -> None:
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

"""What every LibreOffice run shares: its error, its process group, and how its PDF is published.

Both converters (the cold `documents.pdf.convert_to_pdf` and the warm
`documents.converter_pool.ConverterPool`) start LibreOffice in a process group of its own, so
that a timeout or a stop kills soffice, oosplash and soffice.bin together, and publish the PDF
under its final name only once it is whole.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

__all__ = [
    "ConversionError",
    "checked_pdf",
    "communicate_in_time",
    "group_pids",
    "kill_group",
    "publish_atomically",
    "rss_bytes",
    "soffice_command",
    "start_in_group",
]


class ConversionError(Exception):
    """LibreOffice could not turn the document into a PDF."""


def soffice_command(soffice: str, profile: Path, *arguments: str) -> list[str]:
    """A headless LibreOffice on its own profile (concurrent ones must not share one)."""
    return [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
        "--norestore",
        *arguments,
    ]


def start_in_group(
    command: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str],
    cwd: Path,
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    stdout: int | IO[bytes] | None = subprocess.PIPE,
    stderr: int | IO[bytes] | None = subprocess.PIPE,
) -> subprocess.Popen[bytes]:
    """Start `command` in a new session (its own process group); ConversionError if it cannot."""
    try:
        return subprocess.Popen(
            list(command),
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as exc:
        raise ConversionError(f"cannot start {what} ({command[0]!r}): {exc}") from exc


def kill_group(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL) -> None:
    """Signal `proc`'s whole process group, then `proc` itself (if its group is already gone)."""
    if proc is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)


def communicate_in_time(proc: subprocess.Popen[bytes], timeout: float) -> tuple[bytes, bytes]:
    """`proc`'s (stdout, stderr) once it has exited. Its whole group is killed and reaped when
    it overruns (TimeoutExpired re-raised, carrying what it wrote) or on any other exception."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        kill_group(proc)
        exc.stdout, exc.stderr = proc.communicate()
        raise
    except BaseException:
        kill_group(proc)
        proc.wait()
        raise


def group_pids(pgid: int) -> list[int]:
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


def rss_bytes(pid: int) -> int:
    """Resident memory of `pid`, 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def checked_pdf(produced: Path, name: str, details: str = "") -> None:
    """ConversionError unless LibreOffice left a non-empty PDF at `produced`."""
    suffix = f": {details}" if details else ""
    if not produced.is_file() or produced.stat().st_size == 0:
        raise ConversionError(f"LibreOffice produced no PDF for {name}{suffix}")
    with produced.open("rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise ConversionError(f"LibreOffice output for {name} is not a PDF{suffix}")


def publish_atomically(produced: Path, target: Path) -> Path:
    """Copy `produced` to `target` so that `target` appears whole or not at all.

    The copy goes to a unique name in the target's folder (so concurrent conversions of the
    same stem never share a partial file), then is renamed, which is atomic in one folder.
    """
    partial = target.parent / f".{target.stem}.{uuid.uuid4().hex}.pdf.part"
    try:
        shutil.copyfile(produced, partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target

"""One slot of the LibreOffice pool: a warm soffice and the UNO bridge that drives it.

Each slot is two subprocesses, both in their own process group:
- `soffice --headless --accept=pipe,name=<random>;urp;...` with its own profile
  (`-env:UserInstallation=file:///…/slot-K/profile`) and its own pipe name;
- `/usr/bin/python3 documents/uno_bridge.py <pipe>`, LibreOffice's Python (Debian's
  `python3-uno`), which drives that soffice over UNO and talks to the pool in JSON lines over
  its stdin/stdout. The venv never imports `uno`.

Both are contained (`documents.containment`): an allow-listed environment, their own network
namespace (so UNO goes over a pipe, a Unix socket in the slot's private /tmp), and a mount
namespace where the slot's directory is the only one of the worker's they see.

`documents.converter_pool` decides when a slot starts, converts, restarts and stops; this
module knows how.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import secrets
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from documents.containment import contained_command, contained_env, prepare_slot
from documents.processes import (
    ConversionError,
    group_pids,
    kill_group,
    soffice_command,
    start_in_group,
)

__all__ = [
    "BRIDGE_SCRIPT",
    "OWNER_FILE",
    "POOL_PREFIX",
    "Slot",
    "SlotDied",
    "log_tail",
    "reap_orphans",
    "start_slot",
]

log = logging.getLogger("sceau.converter_pool")

BRIDGE_SCRIPT = Path(__file__).with_name("uno_bridge.py")
_LOG_TAIL = 2000


class SlotDied(Exception):
    """The slot's LibreOffice or bridge went away during a conversion."""


def log_tail(path: Path) -> str:
    """The end of a slot's LibreOffice log, for error messages."""
    try:
        data = path.read_bytes()[-_LOG_TAIL:]
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace").strip()


@dataclass
class Slot:
    index: int
    root: Path
    hide: tuple[Path, ...] = ()
    pipe: str = ""
    soffice: subprocess.Popen[bytes] | None = None
    bridge: subprocess.Popen[bytes] | None = None
    replies: queue.Queue[dict[str, Any] | None] = field(default_factory=queue.Queue)
    conversions: int = 0
    generation: int = 0

    @property
    def profile(self) -> Path:
        return self.root / "profile"

    @property
    def tmp(self) -> Path:
        """The slot's scratch: TMPDIR, and /tmp inside its mount namespace."""
        return self.root / "tmp"

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
        return group_pids(self.soffice.pid) if self.soffice is not None else []

    def kill(self) -> None:
        """SIGKILL the bridge and LibreOffice, and reap them.

        soffice.bin is killed first so that its parent (oosplash, our child) reaps it and
        exits: killing the parent first would leave soffice.bin to the container's init,
        which may never reap it.
        """
        kill_group(self.bridge)
        if self.soffice is not None:
            leader = self.soffice.pid
            for pid in group_pids(leader):
                if pid != leader:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.soffice.wait(timeout=2)
            kill_group(self.soffice)
        for proc in (self.bridge, self.soffice):
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
        self.soffice = self.bridge = None
        if self.pipe:
            # Uncontained, the UNO pipe is in the machine's /tmp and a killed soffice leaves it.
            Path(f"/tmp/OSL_PIPE_{os.getuid()}_{self.pipe}").unlink(missing_ok=True)


# Settings a conversion-only LibreOffice never needs, written into each new profile before
# its first start: no autosave or crash-recovery snapshots, no background spelling or
# grammar checking of the loaded letter, no JVM, no recent-documents list, no lock files.
# And what a document refers to is never loaded: links never updated when Writer loads a
# document (Writer's UpdateLinks: 0 never, 1 on request, 2 always), resources of documents
# outside the trusted locations (there are none) blocked, macros never run.
_PROFILE_SETTINGS = (
    ("/org.openoffice.Office.Writer/Content/Update", "Link", "0"),
    ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("/org.openoffice.Office.Common/Save/Document", "AutoSave", "false"),
    ("/org.openoffice.Office.Recovery/AutoSave", "Enabled", "false"),
    ("/org.openoffice.Office.Recovery/RecoveryInfo", "Enabled", "false"),
    ("/org.openoffice.Office.Linguistic/SpellChecking", "IsSpellAuto", "false"),
    ("/org.openoffice.Office.Linguistic/GrammarChecking", "IsAutoCheck", "false"),
    ("/org.openoffice.Office.Java/VirtualMachine", "Enable", "false"),
    ("/org.openoffice.Office.Common/History", "PickListSize", "0"),
    ("/org.openoffice.Office.Common/Misc", "UseLocking", "false"),
)


def seed_profile(profile: Path) -> None:
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


def _pid_alive(pid: int) -> bool:
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
        if _pid_alive(owner):
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


def start_slot(slot: Slot, *, soffice: str, python: str, start_timeout: float) -> None:
    """Start the slot's soffice and its bridge; retry once on a fresh profile."""
    try:
        _spawn(slot, soffice, python, start_timeout)
    except ConversionError as first:
        log.warning("slot %d did not start (%s); retrying on a fresh profile", slot.index, first)
        slot.kill()
        shutil.rmtree(slot.profile, ignore_errors=True)
        _spawn(slot, soffice, python, start_timeout)


def _spawn(slot: Slot, soffice: str, python: str, start_timeout: float) -> None:
    slot.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    seed_profile(slot.profile)
    prepare_slot(slot.root)
    # The bridge runs from the slot itself: inside the slot's mount namespace /tmp is the
    # slot's own, so a checkout under /tmp would not be seen there.
    bridge_script = shutil.copy2(BRIDGE_SCRIPT, slot.root / BRIDGE_SCRIPT.name)
    # A new name at each start: a pipe only this slot's bridge knows, in the slot's /tmp.
    slot.pipe = f"sceau-{secrets.token_hex(16)}"
    slot.conversions = 0
    slot.generation += 1
    slot.replies = queue.Queue()
    # Nothing of the worker's environment (its secrets, the venv's variables) is inherited.
    env = contained_env(home=slot.profile, tmp=slot.tmp)
    bridge_env = contained_env(home=slot.tmp, tmp=slot.tmp)
    with slot.log_path.open("ab") as log_file:
        slot.soffice = start_in_group(
            contained_command(
                soffice_command(
                    soffice,
                    slot.profile,
                    "--nofirststartwizard",
                    f"--accept=pipe,name={slot.pipe};urp;StarOffice.ComponentContext",
                ),
                slot=slot.root,
                hide=slot.hide,
            ),
            what="LibreOffice",
            env=env,
            cwd=slot.root,
            stdout=log_file,
            stderr=log_file,
        )
        slot.bridge = start_in_group(
            contained_command(
                [python, str(bridge_script), slot.pipe, str(start_timeout)],
                slot=slot.root,
                hide=slot.hide,
            ),
            what="the UNO bridge",
            env=bridge_env,
            cwd=slot.root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
        )
    threading.Thread(
        target=_read_replies,
        args=(slot.bridge, slot.replies),
        name=f"uno-bridge-{slot.index}",
        daemon=True,
    ).start()
    try:
        hello = slot.replies.get(timeout=start_timeout + 5)
    except queue.Empty:
        raise ConversionError(
            f"LibreOffice did not answer within {start_timeout:g} s: {log_tail(slot.log_path)}"
        ) from None
    if not hello or not hello.get("ready"):
        detail = (hello or {}).get("error") or "the UNO bridge exited"
        raise ConversionError(
            f"{detail} (is python3-uno installed for {python}?): {log_tail(slot.log_path)}"
        )


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

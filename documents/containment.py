"""LibreOffice in a box: no secret in its environment, no network, no view of the data.

The upload check refuses templates that refer to anything outside themselves, but a check
can miss a form, so the converter itself is contained (docs/pdf-conversion.md,
"Containment"):

- `contained_env`: an allow-listed environment (PATH, HOME and TMPDIR in the slot, the
  locale, what LibreOffice needs); nothing of the worker's (SCEAU_*, S3 and Yousign keys,
  the webhook secret) is inherited.
- `contained_command`: the command run by `unshare --net --mount` (util-linux) through a
  small shell script that, inside the new mount namespace, makes the slot's `tmp/` the
  process's `/tmp` (which hides every other slot, pool and temporary file, and is where
  LibreOffice's UNO pipe is created), covers the hidden directories (the data directory,
  with `secrets/` and the GED) with an empty tmpfs, and binds the slot's own directory back
  at its own path. The new network namespace has only a loopback that is down: nothing is
  reachable, not even the worker's 127.0.0.1.

Where namespaces cannot be made (not root, no util-linux), `namespaces_available()` is False:
the command runs as it is, with a warning logged once, so that a developer machine still
converts; the environment and LibreOffice's own settings still apply.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from documents.processes import ConversionError

__all__ = [
    "ALLOWED_VARIABLES",
    "contained_command",
    "contained_env",
    "namespaces_available",
]

log = logging.getLogger("sceau.converter_pool")

# Copied from the worker's environment when set; everything else is dropped.
ALLOWED_VARIABLES = ("LANG", "LC_ALL", "LANGUAGE", "TZ")
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"

# Run by `sh -c` inside the new namespaces, with: the slot directory, the directories to
# hide, "--", then the command. `set -e`: a mount that fails stops the start (the slot then
# reports that LibreOffice did not start) instead of running uncontained.
_SETUP = r"""
set -e
slot=$1
shift
mount --bind "$slot" "$slot/tmp/.slot"
mount --rbind "$slot/tmp" /tmp
while [ "$1" != "--" ]; do
    if [ -d "$1" ]; then
        mount -t tmpfs -o size=64k,mode=0755 sceau-hidden "$1"
    fi
    shift
done
shift
mkdir -p "$slot"
mount --bind /tmp/.slot "$slot"
exec "$@"
"""

_probe_lock = threading.Lock()
_probe_result: bool | None = None


# A network namespace with only its own loopback, and a private mount namespace.
_NEW_NAMESPACES = ("--net", "--mount", "--propagation", "private")


def contained_env(
    *, home: Path, tmp: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The whole environment a LibreOffice (or its UNO bridge) is started with."""
    env = {
        "PATH": os.environ.get("PATH") or _DEFAULT_PATH,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        # LibreOffice's headless back end (what --headless picks anyway).
        "SAL_USE_VCLPLUGIN": "svp",
    }
    for name in ALLOWED_VARIABLES:
        value = os.environ.get(name)
        if value:
            env[name] = value
    env.update(extra or {})
    return env


def namespaces_available() -> bool:
    """Whether `unshare --net --mount` works here (probed once; a warning if not)."""
    global _probe_result
    with _probe_lock:
        if _probe_result is None:
            _probe_result = _probe()
        return _probe_result


def _probe() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        reason = "unshare (util-linux) is not installed"
    else:
        try:
            probe = subprocess.run(
                [unshare, *_NEW_NAMESPACES, "sh", "-c", "mount -t tmpfs sceau-probe /tmp"],
                capture_output=True,
                check=False,
                timeout=10,
                env={"PATH": os.environ.get("PATH") or _DEFAULT_PATH},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            reason = f"unshare could not run: {exc}"
        else:
            if probe.returncode == 0:
                return True
            output = (probe.stderr or probe.stdout).decode(errors="replace").strip()
            reason = f"unshare --net --mount failed: {output[-300:] or probe.returncode}"
    log.warning(
        "LibreOffice runs WITHOUT network and file-system containment (%s); run the worker "
        "as root or with CAP_SYS_ADMIN to contain it",
        reason,
    )
    return False


def prepare_slot(slot: Path) -> Path:
    """Make the slot's private /tmp (and its mount point for the slot); returns it."""
    tmp = slot / "tmp"
    (tmp / ".slot").mkdir(parents=True, exist_ok=True)
    return tmp


def contained_command(
    command: Sequence[str], *, slot: Path, hide: Sequence[Path] = ()
) -> list[str]:
    """`command` run in its own network and mount namespaces (see the module doc).

    `slot` (absolute) is the only directory the process keeps of the worker's files, beside
    the system; it must hold a `tmp/` made by `prepare_slot`. Without namespaces, `command`.
    ConversionError if the program does not exist (it would otherwise fail after unshare).
    """
    if shutil.which(command[0]) is None:
        raise ConversionError(f"cannot start {command[0]!r}: no such executable file")
    if not namespaces_available():
        return list(command)
    unshare = shutil.which("unshare") or "unshare"
    # /tmp is replaced by the slot's own; hiding it or one of its parents would hide that.
    hidden = [
        str(path) for path in hide if path.is_absolute() and not Path("/tmp").is_relative_to(path)
    ]
    return [
        unshare,
        *_NEW_NAMESPACES,
        "sh",
        "-c",
        _SETUP,
        "sceau-contained",
        str(slot),
        *hidden,
        "--",
        *command,
    ]

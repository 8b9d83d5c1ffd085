"""The document space's byte store: local files, content-addressed by SHA-256.

A blob is written under a temporary name and renamed, so a reader never sees half a file
and writing the same bytes twice leaves one file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from domain.settings import get_settings


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_of(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()


def blob_store() -> LocalBlobStore:
    """The GED's store, where the settings put it."""
    return LocalBlobStore(get_settings().ged_dir)

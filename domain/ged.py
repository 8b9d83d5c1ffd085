"""The document space's byte store, content-addressed by SHA-256: local files or S3.

Both stores behave alike: a blob's key is its digest, a reader never sees half a blob, and
writing the same bytes twice stores them once. ``get`` of an unknown digest raises
FileNotFoundError. SCEAU_GED_BACKEND chooses the store.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from domain.settings import Settings, get_settings


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...

    def get(self, sha256: str) -> bytes: ...


def blob_name(sha256: str) -> str:
    """Where a blob lives below the store's root: fanned out by its first two hex digits."""
    return f"{sha256[:2]}/{sha256}"


class LocalBlobStore:
    """Blobs under a directory: written to a temporary file, fsynced, then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / blob_name(sha256)

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


# The codes S3 and compatible servers answer for an object that is not there.
_MISSING = ("404", "NoSuchKey", "NotFound")


class StorageUnavailable(Exception):
    """The store cannot be reached, or answered with a server error: a passing state."""


@contextmanager
def _s3_reachable(bucket: str) -> Iterator[None]:
    """Turn an unreachable or failing S3 server into StorageUnavailable, so that the API
    answers 503 and asks for a retry instead of reporting an unexpected error."""
    try:
        yield
    except BotoCoreError as error:  # refused connection, time-out, broken stream
        reason = type(error).__name__
        raise StorageUnavailable(f"s3://{bucket} cannot be reached ({reason})") from error
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500:
            raise StorageUnavailable(f"s3://{bucket} answered {status}") from error
        raise


class S3BlobStore:
    """Blobs in an S3 bucket (AWS or any S3-compatible server), through boto3.

    A PUT is atomic in S3 (an object appears whole or not at all), so no temporary name is
    needed; the object is checked first so that the same bytes are uploaded once. The SHA-256
    goes with the upload, for servers that verify it (AWS S3, MinIO).
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def key_of(self, sha256: str) -> str:
        return self.prefix + blob_name(sha256)

    def _exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data)
        sha256 = digest.hexdigest()
        key = self.key_of(sha256)
        with _s3_reachable(self.bucket):
            if not self._exists(key):
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=data,
                    ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
                )
        return sha256

    def get(self, sha256: str) -> bytes:
        with _s3_reachable(self.bucket):
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING:
                    raise FileNotFoundError(f"no blob {sha256} in s3://{self.bucket}") from error
                raise
            body: bytes = answer["Body"].read()
        return body


def s3_client(settings: Settings) -> Any:
    import boto3
    from botocore.config import Config

    credentials = {}
    if settings.s3_access_key_id:
        credentials = {
            "aws_access_key_id": settings.s3_access_key_id,
            "aws_secret_access_key": settings.s3_secret_access_key,
        }
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region,
        # Path-style addressing: what MinIO and most S3-compatible servers expect.
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}),
        **credentials,
    )


def store_for(settings: Settings) -> BlobStore:
    if settings.ged_backend == "s3":
        if not settings.s3_bucket:
            raise RuntimeError("SCEAU_GED_BACKEND=s3 needs SCEAU_S3_BUCKET")
        return S3BlobStore(s3_client(settings), settings.s3_bucket, settings.s3_prefix)
    return LocalBlobStore(settings.ged_dir)


@lru_cache
def _shared_s3_store() -> BlobStore:
    # boto3 clients are thread-safe and costly to build: one per process.
    return store_for(get_settings())


def blob_store() -> BlobStore:
    """The GED's store, where the settings put it."""
    settings = get_settings()
    if settings.ged_backend == "s3":
        return _shared_s3_store()
    return LocalBlobStore(settings.ged_dir)

"""The GED's two byte stores behave alike; the S3 one runs against a local S3-compatible
server (moto in server mode, spoken to over HTTP by boto3, as MinIO or AWS would be)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from domain.ged import (
    BlobStore,
    LocalBlobStore,
    S3BlobStore,
    StorageUnavailable,
    blob_store,
    s3_client,
)
from domain.settings import Settings, get_settings
from tests.e2e.stack import free_port

MOTO_SERVER = Path(sys.executable).parent / "moto_server"
CREDENTIALS = {"SCEAU_S3_ACCESS_KEY_ID": "sceau", "SCEAU_S3_SECRET_ACCESS_KEY": "sceau-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the local S3 server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def s3_settings(endpoint: str, bucket: str, prefix: str = "") -> Settings:
    return Settings(
        ged_backend="s3",
        s3_endpoint_url=endpoint,
        s3_bucket=bucket,
        s3_prefix=prefix,
        s3_access_key_id=CREDENTIALS["SCEAU_S3_ACCESS_KEY_ID"],
        s3_secret_access_key=CREDENTIALS["SCEAU_S3_SECRET_ACCESS_KEY"],
    )


def new_bucket(endpoint: str, name: str) -> None:
    s3_client(s3_settings(endpoint, name)).create_bucket(Bucket=name)


def object_keys(endpoint: str, bucket: str) -> list[str]:
    answer = s3_client(s3_settings(endpoint, bucket)).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", []))


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "ged")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"ged-{request.node.name.split('[')[0][-20:].replace('_', '-')}"
    new_bucket(endpoint, bucket)
    settings = s3_settings(endpoint, bucket)
    return S3BlobStore(s3_client(settings), bucket)


def test_put_returns_the_digest_and_get_the_same_bytes(store: BlobStore) -> None:
    data = b"%PDF-1.7 lettre de mission \x00\xff"
    sha256 = store.put(data)
    assert sha256 == hashlib.sha256(data).hexdigest()
    assert store.get(sha256) == data


def test_unknown_digest_is_file_not_found(store: BlobStore) -> None:
    with pytest.raises(FileNotFoundError):
        store.get(hashlib.sha256(b"never stored").hexdigest())


def test_same_bytes_stored_once_under_their_digest(s3_endpoint: str) -> None:
    new_bucket(s3_endpoint, "once")
    store = S3BlobStore(s3_client(s3_settings(s3_endpoint, "once")), "once", "firm-docs/")
    first = store.put(b"letter v1")
    assert store.put(b"letter v1") == first
    second = store.put(b"letter v2")
    assert object_keys(s3_endpoint, "once") == sorted(
        [f"firm-docs/{first[:2]}/{first}", f"firm-docs/{second[:2]}/{second}"]
    )


def test_settings_choose_the_store(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    new_bucket(s3_endpoint, "chosen")
    monkeypatch.setenv("SCEAU_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert isinstance(blob_store(), LocalBlobStore)

    for name, value in {
        "SCEAU_GED_BACKEND": "s3",
        "SCEAU_S3_ENDPOINT_URL": s3_endpoint,
        "SCEAU_S3_BUCKET": "chosen",
        **CREDENTIALS,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        chosen = blob_store()
        assert isinstance(chosen, S3BlobStore)
        sha256 = chosen.put(b"through the settings")
        # Nothing on the local disk; the object is in the bucket, read back by a plain client.
        assert not (tmp_path / "ged").exists()
        raw = boto3.client(
            "s3",
            endpoint_url=s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id="sceau",
            aws_secret_access_key="sceau-secret",
        ).get_object(Bucket="chosen", Key=f"{sha256[:2]}/{sha256}")
        assert raw["Body"].read() == b"through the settings"
    finally:
        get_settings.cache_clear()
        from domain.ged import _shared_s3_store

        _shared_s3_store.cache_clear()


def test_an_unreachable_s3_server_is_a_503_asking_for_a_retry() -> None:
    """A GED outage is a passing state like a database outage: 503, never a 500."""
    nobody = f"http://127.0.0.1:{free_port()}"  # a port nothing listens on
    store = S3BlobStore(s3_client(s3_settings(nobody, "down")), "down")
    with pytest.raises(StorageUnavailable):
        store.put(b"a letter")

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/blob/{sha256}")
    def read_blob(sha256: str) -> Response:
        return Response(store.get(sha256))

    answer = TestClient(app).get(f"/blob/{hashlib.sha256(b'x').hexdigest()}")
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "storage_unavailable"
    assert answer.headers["Retry-After"] == "5"

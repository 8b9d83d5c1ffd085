"""The arguments Sceau gives `Client.connect`: a dev server, a self-hosted cluster (mTLS) or
Temporal Cloud (API key)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from domain.settings import Settings
from domain.temporal import (
    SEARCH_ATTRIBUTES,
    TemporalSettingsError,
    connect_options,
    is_remote_temporal,
    register_search_attributes,
)


@pytest.fixture
def pems(tmp_path: Path) -> dict[str, str]:
    files = {}
    for name in ("ca", "cert", "key"):
        path = tmp_path / f"{name}.pem"
        path.write_bytes(f"-----BEGIN {name.upper()}-----\n{name}\n".encode())
        files[name] = str(path)
    return files


def settings(**values: object) -> Settings:
    defaults: dict[str, object] = {
        "temporal_address": "temporal.example:7233",
        "temporal_namespace": "sceau",
        "temporal_tls": None,
        "temporal_tls_ca": "",
        "temporal_tls_cert": "",
        "temporal_tls_key": "",
        "temporal_tls_server_name": "",
        "temporal_api_key": "",
    }
    return Settings(**{**defaults, **values})  # type: ignore[arg-type]


def test_the_dev_server_gets_plain_grpc() -> None:
    options = connect_options(settings())
    assert options == {
        "target_host": "temporal.example:7233",
        "namespace": "sceau",
        "tls": False,
        "api_key": None,
    }
    assert not is_remote_temporal(settings())


def test_an_api_key_turns_tls_on_with_the_system_roots() -> None:
    options = connect_options(settings(temporal_api_key="key-123"))
    assert options["tls"] is True
    assert options["api_key"] == "key-123"
    assert is_remote_temporal(settings(temporal_api_key="key-123"))


def test_tls_may_be_turned_off_explicitly_beside_an_api_key() -> None:
    assert connect_options(settings(temporal_api_key="k", temporal_tls=False))["tls"] is False


def test_tls_on_alone_uses_the_system_roots() -> None:
    assert connect_options(settings(temporal_tls=True))["tls"] is True


def test_mtls_reads_the_ca_the_client_certificate_and_its_key(pems: dict[str, str]) -> None:
    options = connect_options(
        settings(
            temporal_tls_ca=pems["ca"],
            temporal_tls_cert=pems["cert"],
            temporal_tls_key=pems["key"],
            temporal_tls_server_name="temporal.internal",
        )
    )
    tls = options["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.server_root_ca_cert == Path(pems["ca"]).read_bytes()
    assert tls.client_cert == Path(pems["cert"]).read_bytes()
    assert tls.client_private_key == Path(pems["key"]).read_bytes()
    assert tls.domain == "temporal.internal"
    assert options["api_key"] is None


def test_a_ca_alone_checks_the_server_without_a_client_certificate(
    pems: dict[str, str],
) -> None:
    tls = connect_options(settings(temporal_tls_ca=pems["ca"]))["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.server_root_ca_cert == Path(pems["ca"]).read_bytes()
    assert tls.client_cert is None and tls.client_private_key is None and tls.domain is None


def test_mtls_with_an_api_key_sends_both(pems: dict[str, str]) -> None:
    options = connect_options(
        settings(temporal_tls_cert=pems["cert"], temporal_tls_key=pems["key"], temporal_api_key="k")
    )
    assert isinstance(options["tls"], TLSConfig)
    assert options["api_key"] == "k"


def test_a_missing_certificate_file_names_the_setting_and_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "ca.pem"
    with pytest.raises(TemporalSettingsError) as raised:
        connect_options(settings(temporal_tls_ca=str(missing)))
    assert "SCEAU_TEMPORAL_TLS_CA" in str(raised.value)
    assert str(missing) in str(raised.value)
    assert "No such file" in str(raised.value)


def test_an_unreadable_key_file_is_reported(pems: dict[str, str], tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.pem"
    directory.mkdir()
    with pytest.raises(TemporalSettingsError, match="SCEAU_TEMPORAL_TLS_KEY"):
        connect_options(settings(temporal_tls_cert=pems["cert"], temporal_tls_key=str(directory)))


def test_an_empty_certificate_file_is_reported(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    with pytest.raises(TemporalSettingsError, match=r"SCEAU_TEMPORAL_TLS_CA=.*empty"):
        connect_options(settings(temporal_tls_ca=str(empty)))


@pytest.mark.parametrize("given", ["cert", "key"])
def test_a_client_certificate_needs_its_key(pems: dict[str, str], given: str) -> None:
    with pytest.raises(TemporalSettingsError, match="mTLS needs both"):
        connect_options(settings(**{f"temporal_tls_{given}": pems[given]}))


def test_certificates_with_tls_turned_off_is_a_contradiction(pems: dict[str, str]) -> None:
    with pytest.raises(TemporalSettingsError, match="SCEAU_TEMPORAL_TLS=false"):
        connect_options(settings(temporal_tls=False, temporal_tls_ca=pems["ca"]))


def test_the_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, pems: dict[str, str]
) -> None:
    monkeypatch.setenv("SCEAU_TEMPORAL_ADDRESS", "sceau.a1b2c.tmprl.cloud:7233")
    monkeypatch.setenv("SCEAU_TEMPORAL_NAMESPACE", "sceau.a1b2c")
    monkeypatch.setenv("SCEAU_TEMPORAL_API_KEY", "cloud-key")
    monkeypatch.setenv("SCEAU_TEMPORAL_TLS", "")  # empty: automatic
    monkeypatch.setenv("SCEAU_TEMPORAL_TLS_CA", pems["ca"])
    options = connect_options(Settings())
    assert options["target_host"] == "sceau.a1b2c.tmprl.cloud:7233"
    assert options["namespace"] == "sceau.a1b2c"
    assert options["api_key"] == "cloud-key"
    assert isinstance(options["tls"], TLSConfig)


class FakeOperator:
    """The operator service of a namespace holding `present`; adding may be refused."""

    def __init__(self, present: set[str], *, list_error: bool = False, add_error: bool = False):
        self.present, self.list_error, self.add_error = present, list_error, add_error
        self.added: list[str] = []

    async def list_search_attributes(self, request: object) -> object:
        if self.list_error:
            raise RPCError("denied", RPCStatusCode.PERMISSION_DENIED, b"")
        return SimpleNamespace(custom_attributes={name: 1 for name in self.present})

    async def add_search_attributes(self, request: object) -> None:
        if self.add_error:
            raise RPCError("not allowed", RPCStatusCode.PERMISSION_DENIED, b"")
        self.added.extend(request.search_attributes)  # type: ignore[attr-defined]


def client_with(operator: FakeOperator) -> Client:
    return SimpleNamespace(namespace="sceau", operator_service=operator)  # type: ignore[return-value]


async def test_search_attributes_already_there_need_no_right_to_add_them() -> None:
    operator = FakeOperator(set(SEARCH_ATTRIBUTES), add_error=True)
    await register_search_attributes(client_with(operator))
    assert operator.added == []


async def test_only_the_missing_search_attributes_are_added() -> None:
    operator = FakeOperator({"MissionStatus", "FirmId"})
    await register_search_attributes(client_with(operator))
    assert operator.added == ["ClientId", "LetterVersion", "RenewalDate"]


async def test_a_namespace_that_may_not_be_listed_gets_them_all() -> None:
    operator = FakeOperator(set(), list_error=True)
    await register_search_attributes(client_with(operator))
    assert operator.added == list(SEARCH_ATTRIBUTES)


async def test_a_client_that_may_not_add_them_is_told_which_to_add() -> None:
    operator = FakeOperator({"MissionStatus"}, add_error=True)
    with pytest.raises(RuntimeError, match=r"FirmId \(Keyword\).*LetterVersion \(Int\)"):
        await register_search_attributes(client_with(operator))

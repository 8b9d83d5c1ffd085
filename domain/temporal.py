"""The Temporal connection shared by the API, the workers and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from contracts import search_attributes
from domain.payloads import data_converter
from domain.settings import Settings, get_settings
from domain.tracing import tracing_interceptors

# The search attributes (contracts/search_attributes.py) are registered before any worker polls.
_KIND_OF = {
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
}
_INDEXED_TYPE = {kind: IndexedValueType.ValueType(indexed) for indexed, kind in _KIND_OF.items()}
# Each search attribute with its type, as the dev server's --search-attribute spells it.
SEARCH_ATTRIBUTES = {key.name: _KIND_OF[key.indexed_value_type] for key in search_attributes.ALL}


def metrics_runtime(settings: Settings, service: str) -> Runtime | None:
    """A Temporal runtime serving the SDK's metrics for Prometheus, or None when turned off."""
    if not settings.worker_metrics_port:
        return None
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(
                bind_address=f"{settings.worker_metrics_host}:{settings.worker_metrics_port}",
                durations_as_seconds=True,
            ),
            global_tags={"service": service},
        )
    )


class TemporalSettingsError(ValueError):
    """The Temporal connection settings cannot work (a certificate file missing, say)."""


def _read_pem(setting: str, value: str) -> bytes:
    path = Path(value).expanduser()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TemporalSettingsError(
            f"{setting}={value}: cannot read the file ({error.strerror or error})"
        ) from None
    if not data.strip():
        raise TemporalSettingsError(f"{setting}={value}: the file is empty")
    return data


def tls_config(settings: Settings) -> TLSConfig | bool:
    """What `Client.connect(tls=...)` gets: a TLSConfig, True (system roots) or False."""
    cert, key = settings.temporal_tls_cert, settings.temporal_tls_key
    if bool(cert) != bool(key):
        given, missing = (
            ("SCEAU_TEMPORAL_TLS_CERT", "SCEAU_TEMPORAL_TLS_KEY")
            if cert
            else ("SCEAU_TEMPORAL_TLS_KEY", "SCEAU_TEMPORAL_TLS_CERT")
        )
        raise TemporalSettingsError(f"{given} is set but {missing} is not: mTLS needs both")
    detailed = bool(settings.temporal_tls_ca or cert or settings.temporal_tls_server_name)
    if settings.temporal_tls is False:
        if detailed:
            raise TemporalSettingsError(
                "SCEAU_TEMPORAL_TLS=false, yet TLS certificates or a server name are set"
            )
        return False
    if not detailed:
        # An API key travels only over TLS unless TLS is explicitly turned off.
        return bool(settings.temporal_tls or settings.temporal_api_key)
    return TLSConfig(
        server_root_ca_cert=(
            _read_pem("SCEAU_TEMPORAL_TLS_CA", settings.temporal_tls_ca)
            if settings.temporal_tls_ca
            else None
        ),
        client_cert=_read_pem("SCEAU_TEMPORAL_TLS_CERT", cert) if cert else None,
        client_private_key=_read_pem("SCEAU_TEMPORAL_TLS_KEY", key) if key else None,
        domain=settings.temporal_tls_server_name or None,
    )


def connect_options(settings: Settings) -> dict[str, Any]:
    """The address, namespace, TLS and API key arguments of `Client.connect`."""
    return {
        "target_host": settings.temporal_address,
        "namespace": settings.temporal_namespace,
        "tls": tls_config(settings),
        "api_key": settings.temporal_api_key or None,
    }


def is_remote_temporal(settings: Settings) -> bool:
    """TLS or an API key: a real cluster, never a dev server that `sceau run` would start."""
    return bool(
        settings.temporal_tls
        or settings.temporal_api_key
        or settings.temporal_tls_ca
        or settings.temporal_tls_cert
        or settings.temporal_tls_server_name
    )


async def connect(
    settings: Settings | None = None, *, runtime: Runtime | None = None, service: str = "api"
) -> Client:
    settings = settings or get_settings()
    return await Client.connect(
        **connect_options(settings),
        data_converter=data_converter,
        interceptors=tracing_interceptors(settings, service),
        runtime=runtime,
    )


async def register_search_attributes(client: Client) -> None:
    """Add Sceau's search attributes to the client's namespace; those already there stay.

    Only the missing ones are added: a key that may not change the namespace (Temporal
    Cloud's, often) works once they are there, and is told which to add when they are not.
    """
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
        present = set(listed.custom_attributes)
    except RPCError:
        present = set()  # not allowed to list: try to add them all, as before
    # One call each: a namespace from an older release has some of them already.
    for name, kind in SEARCH_ATTRIBUTES.items():
        if name in present:
            continue
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(
                    namespace=client.namespace, search_attributes={name: _INDEXED_TYPE[kind]}
                )
            )
        except RPCError as error:
            if error.status == RPCStatusCode.ALREADY_EXISTS:
                continue
            if error.status in (RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNIMPLEMENTED):
                missing = ", ".join(
                    f"{n} ({k})" for n, k in SEARCH_ATTRIBUTES.items() if n not in present
                )
                raise RuntimeError(
                    f"namespace {client.namespace} lacks the search attributes {missing} and"
                    f" this client may not add them ({error.message}): add them once, e.g."
                    " in Temporal Cloud's UI or with `tcld namespace search-attributes add`"
                ) from error
            raise

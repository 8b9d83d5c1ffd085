"""The Temporal connection shared by the API, the workers and the CLI."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError, RPCStatusCode

from domain.payloads import data_converter
from domain.settings import Settings, get_settings
from domain.tracing import tracing_interceptors

# What operators filter missions on in the Web UI, with each attribute's type (the dev
# server's --search-attribute spelling). Workflows upsert them at each transition; an
# unregistered one blocks the workflow, so they are registered before any worker polls.
SEARCH_ATTRIBUTES = {
    "MissionStatus": "Keyword",
    "FirmId": "Keyword",
    "ClientId": "Keyword",
    "LetterVersion": "Int",
}
_INDEXED_TYPE = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
}


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


async def connect(
    settings: Settings | None = None, *, runtime: Runtime | None = None, service: str = "api"
) -> Client:
    settings = settings or get_settings()
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter,
        interceptors=tracing_interceptors(settings, service),
        runtime=runtime,
    )


async def register_search_attributes(client: Client) -> None:
    """Add Sceau's search attributes to the client's namespace; those already there stay."""
    # One call each: a namespace from an older release has some of them already.
    for name, kind in SEARCH_ATTRIBUTES.items():
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(
                    namespace=client.namespace, search_attributes={name: _INDEXED_TYPE[kind]}
                )
            )
        except RPCError as error:
            if error.status != RPCStatusCode.ALREADY_EXISTS:
                raise

"""Optional tracing: Temporal's OpenTelemetry interceptor, exporting to an OTLP collector.

OpenTelemetry is imported only when SCEAU_OTLP_ENDPOINT is set, so a deployment without a
collector does not need the `tracing` extra installed.
"""

from __future__ import annotations

from typing import Any

from domain.settings import Settings

_provider_for: dict[str, Any] = {}


def tracing_interceptors(settings: Settings, service: str) -> list[Any]:
    """[TracingInterceptor] when an OTLP endpoint is configured, else []."""
    if not settings.otlp_endpoint:
        return []
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from temporalio.contrib.opentelemetry import TracingInterceptor

    if settings.otlp_endpoint not in _provider_for:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider = TracerProvider(resource=Resource.create({"service.name": f"sceau-{service}"}))
        endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        trace.set_tracer_provider(provider)
        _provider_for[settings.otlp_endpoint] = provider
    return [TracingInterceptor(_provider_for[settings.otlp_endpoint].get_tracer("sceau"))]


def flush_traces() -> None:
    for provider in _provider_for.values():
        provider.force_flush()

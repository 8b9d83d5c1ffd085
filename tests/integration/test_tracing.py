"""With SCEAU_OTLP_ENDPOINT set, Sceau's Temporal client traces workflows and activities and
sends the spans to that OTLP/HTTP collector; without it, no interceptor is installed."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.settings import Settings
from domain.temporal import connect
from domain.tracing import flush_traces, tracing_interceptors
from tests.integration.traced_workflow import TracedWorkflow, traced_step
from tests.temporal_bins import TEMPORAL_CLI


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.span_names: list[str] = []
        self.paths: list[str] = []
        super().__init__(("127.0.0.1", 0), CollectorHandler)


class CollectorHandler(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest.FromString(body)
        self.server.paths.append(self.path)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                self.server.span_names += [span.name for span in scope.spans]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()


def test_no_endpoint_no_tracing() -> None:
    assert tracing_interceptors(Settings(otlp_endpoint=""), "api") == []


async def test_spans_reach_the_collector(collector: Collector) -> None:
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}"
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL_CLI)
    ) as env:
        address = env.client.service_client.config.target_host
        client = await connect(
            Settings(temporal_address=address, otlp_endpoint=endpoint), service="worker"
        )
        queue = f"traced-{uuid.uuid4()}"
        async with Worker(
            client, task_queue=queue, workflows=[TracedWorkflow], activities=[traced_step]
        ):
            result = await client.execute_workflow(
                TracedWorkflow.run, id=f"traced-{uuid.uuid4()}", task_queue=queue
            )
        assert result == "done"
    flush_traces()
    assert collector.paths and set(collector.paths) == {"/v1/traces"}
    assert "StartWorkflow:TracedWorkflow" in collector.span_names
    assert "RunActivity:traced_step" in collector.span_names

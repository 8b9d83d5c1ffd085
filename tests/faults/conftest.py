"""Each fault case gets its own processes and database: a case may kill any of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.faults.cluster import Cluster
from tests.faults.db_proxy import TcpProxy
from tests.faults.relay import WebhookRelay
from tests.integration.database import fresh_database


@contextmanager
def running_cluster(
    data_dir: Path, proxies: dict[str, TcpProxy] | None = None, **worker_env: str
) -> Iterator[Cluster]:
    """Temporal, one worker, the API and the provider on a fresh PostgreSQL database.

    The provider's webhooks go through a `WebhookRelay` (`cluster.relay`) on their way to the
    API. `proxies` names the processes ("worker", "api") that reach the database through a
    proxy; `worker_env` is the first worker's extra environment.
    """
    with fresh_database("postgresql") as url, WebhookRelay() as relay:
        cluster = Cluster(data_dir=data_dir, database_url=url, webhook_url=relay.url)
        for name, proxy in (proxies or {}).items():
            cluster.database_urls[name] = proxy.url_for(url)
        relay.api = cluster.api
        cluster.relay = relay
        try:
            cluster.start_all(**worker_env)
            yield cluster
        finally:
            cluster.stop_all()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path) as running:
        yield running

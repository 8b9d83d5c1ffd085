from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.payloads import data_converter
from domain.temporal import register_search_attributes
from tests.temporal_bins import TEMPORAL_TEST_SERVER


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter,
        test_server_existing_path=str(TEMPORAL_TEST_SERVER),
    ) as environment:
        await register_search_attributes(environment.client)
        yield environment

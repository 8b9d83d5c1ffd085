"""Every page runs as many SQL statements for a client of 24 missions as for one of 12: one query
per list, never one per row (bench/pages.py measures the same pages' times)."""

from __future__ import annotations

import asyncio

import pytest

from bench.pages import fill, measure
from tests.integration.database import database  # noqa: F401

pytestmark = pytest.mark.usefixtures("database")


def statements_per_page(missions: int) -> dict[str, int]:
    cookies, ids = fill(clients=2, missions=missions)
    pages = asyncio.run(measure(cookies, ids, rounds=1))
    return {name: max(page.statements) for name, page in pages.items()}


def test_no_page_runs_a_query_per_row() -> None:
    few, many = statements_per_page(12), statements_per_page(24)
    assert {name: count for name, count in many.items() if count != few[name]} == {}

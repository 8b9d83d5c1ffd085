"""Database work for the API, off the event loop, and SQLite's writers queued on it.

An async endpoint never touches a session on the event loop: each step that needs the database
is one short session, opened, used and committed in a worker thread (``in_session``). No
session stays open across a call to Temporal: the workflow's activities write meanwhile.

On SQLite one transaction writes at a time. A request waiting for that lock inside a worker
thread would hold the thread while the request that owns the lock may need one to finish: with
every thread taken by waiters, nobody commits. So the API's writers take turns on the event
loop first (``writing_turn``, first come first served), and only the one whose turn it is
enters a thread. PostgreSQL needs no turns: its writers wait only for the rows they share.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from anyio import CapacityLimiter, to_thread
from sqlmodel import Session

from domain.audit import Actor
from domain.db import session_scope, uses_sqlite

T = TypeVar("T")

# The one lock of this process's SQLite writers; asyncio binds it to the API's loop on first use.
_sqlite_writers = asyncio.Lock()


@asynccontextmanager
async def writing_turn() -> AsyncIterator[None]:
    """This request's turn to write, waited for on the event loop (SQLite only)."""
    if not uses_sqlite():
        yield
        return
    async with _sqlite_writers:
        yield


async def in_thread(work: Callable[[], T]) -> T:
    return await to_thread.run_sync(work)


async def finish_in_thread(work: Callable[[], T]) -> T:
    """``work`` (a commit, a rollback, a close) in a thread of its own: a request finishing a
    transaction must never wait for a thread behind requests that wait for it."""
    return await to_thread.run_sync(work, limiter=CapacityLimiter(1))


async def in_session(
    work: Callable[[Session], T], *, write: bool = True, actor: Actor | None = None
) -> T:
    """``work(session)`` in a worker thread, in a session committed when it returns."""

    def run() -> T:
        with session_scope(write=write, actor=actor) as session:
            return work(session)

    if not write:
        return await in_thread(run)
    async with writing_turn():
        return await in_thread(run)


async def reading(work: Callable[[Session], T]) -> T:
    """``work(session)`` in a worker thread, in a session that only reads."""
    return await in_session(work, write=False)

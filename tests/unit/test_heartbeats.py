"""The documents activities' heartbeats go on while the activity's own thread is busy."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.heartbeats import heartbeating


def environment(heartbeat_timeout: timedelta | None) -> tuple[ActivityEnvironment, list[Any]]:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, heartbeat_timeout=heartbeat_timeout)
    beats: list[Any] = []
    env.on_heartbeat = lambda *details: beats.append(details)
    return env, beats


def test_beats_while_the_activity_thread_waits() -> None:
    env, beats = environment(timedelta(seconds=2))
    third_beat = threading.Event()

    def on_heartbeat(*details: Any) -> None:
        beats.append(details)
        if len(beats) >= 3:
            third_beat.set()

    env.on_heartbeat = on_heartbeat

    def busy() -> bool:
        # The activity's thread is blocked, as on a LibreOffice reply: only the helper beats.
        with heartbeating():
            return third_beat.wait(timeout=10)

    assert env.run(busy)
    # The helper ends with the block: nothing beats for an activity that has finished.
    assert not [t for t in threading.enumerate() if t.name.startswith("heartbeat-")]


def test_no_heartbeat_timeout_no_beats() -> None:
    env, beats = environment(None)

    def work() -> str:
        with heartbeating():
            return "done"

    assert env.run(work) == "done"
    assert beats == []


def test_outside_an_activity_the_block_just_runs() -> None:
    with heartbeating():
        ran = True
    assert ran
    assert not [t for t in threading.enumerate() if t.name.startswith("heartbeat-")]

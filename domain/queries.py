"""Reads that several layers share."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.models import MissionLine


def mission_lines(session: Session, mission_id: str) -> list[MissionLine]:
    statement = (
        select(MissionLine)
        .where(MissionLine.mission_id == mission_id)
        .order_by(col(MissionLine.position))
    )
    return list(session.exec(statement))

"""Every router of the staff pages, for web/app.py to mount (each with the CSRF check)."""

from __future__ import annotations

from fastapi import APIRouter

from web.staff import catalogue, clients, home, missions, requests

ROUTERS: list[APIRouter] = [
    home.router,
    clients.router,
    requests.router,
    missions.router,
    catalogue.router,
]

"""docker-compose.yml and the Dockerfile say only what Sceau understands: real `sceau`
commands, real settings with valid values, addresses that name services of the file.

No Docker engine runs here, so this reads the files the way compose and Sceau would."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from contracts.messages import DOCUMENTS_QUEUE, MISSIONS_QUEUE
from domain.settings import Settings
from sceau_cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
# Sceau's own services are the ones built from this repository.
SCEAU_SERVICES = sorted(name for name, service in SERVICES.items() if "build" in service)
SETTINGS = set(Settings.model_fields)


def substituted(value: object) -> str:
    """A compose value with ${VAR:-default} and ${VAR:?message} as compose would fill them
    (required ones with a stand-in)."""
    text = str(value)
    text = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)
    return re.sub(r"\$\{\w+:\?[^}]*\}", "set-by-the-operator", text)


def environment(name: str) -> dict[str, str]:
    return {key: substituted(value) for key, value in SERVICES[name]["environment"].items()}


def settings_of(name: str) -> Settings:
    """The settings the service's process would read from its environment."""
    values = {key.removeprefix("SCEAU_").lower(): value for key, value in environment(name).items()}
    return Settings(**values)  # type: ignore[arg-type]


def sceau_subcommands() -> set[str]:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    return set(commands.choices)  # type: ignore[arg-type]


def host_port(address: str) -> tuple[str, int]:
    parts = urlsplit(address if "//" in address else f"//{address}")
    assert parts.hostname and parts.port, address
    return parts.hostname, parts.port


def test_the_topology_has_every_part() -> None:
    images = {name: service.get("image", "") for name, service in SERVICES.items()}
    assert images["postgres"].startswith("postgres:")
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-schema"].startswith("temporalio/admin-tools:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    assert images["minio"].startswith("minio/minio:")
    assert SERVICES["api"]["deploy"]["replicas"] == 2
    assert set(SCEAU_SERVICES) == {
        "migrate",
        "api",
        "worker-missions",
        "worker-documents",
        "signature-provider",
    }


@pytest.mark.parametrize("name", SCEAU_SERVICES)
def test_each_sceau_service_runs_a_real_command(name: str) -> None:
    command = SERVICES[name]["command"]
    assert command[0] == "sceau"
    assert command[1] in sceau_subcommands()
    build_parser().parse_args(command[1:])  # exits (fails the test) on an unknown option


@pytest.mark.parametrize("name", SCEAU_SERVICES)
def test_each_sceau_service_sets_only_real_settings(name: str) -> None:
    env = environment(name)
    unknown = {
        key for key in env if not key.startswith("SCEAU_") or key[6:].lower() not in SETTINGS
    }
    assert not unknown, f"{name}: not settings of domain/settings.py: {sorted(unknown)}"
    settings = settings_of(name)  # raises on a value of the wrong type
    database = urlsplit(settings.resolved_database_url)
    assert database.scheme == "postgresql+psycopg"
    assert database.hostname in SERVICES
    assert host_port(settings.temporal_address) == ("temporal", 7233)
    assert settings.ged_backend == "s3"
    assert host_port(settings.s3_endpoint_url)[0] in SERVICES
    assert "minio-bucket" in SERVICES
    bucket_command = " ".join(SERVICES["minio-bucket"]["command"])
    assert f"/{settings.s3_bucket}" in bucket_command


def test_api_listens_where_compose_publishes_it() -> None:
    settings = settings_of("api")
    assert settings.api_host == "0.0.0.0"
    container_ports = {int(mapping.split(":")[-1]) for mapping in SERVICES["api"]["ports"]}
    assert container_ports == {settings.api_port}
    assert f":{settings.api_port}/readyz" in " ".join(SERVICES["api"]["healthcheck"]["test"])
    provider = settings_of("signature-provider")
    assert host_port(provider.resolved_webhook_url) == ("api", settings.api_port)
    # Yousign's URL has no default; the message names the dev profile's local provider.
    base_url = SERVICES["api"]["environment"]["SCEAU_YOUSIGN_BASE_URL"]
    (dev_url,) = re.findall(r"http://[^\s}]+", base_url)
    assert host_port(dev_url) == ("signature-provider", provider.signature_provider_port)
    assert provider.signature_provider_host == "0.0.0.0"


def test_the_two_workers_split_the_queues_and_expose_their_metrics() -> None:
    missions, documents = settings_of("worker-missions"), settings_of("worker-documents")
    assert missions.queues == [MISSIONS_QUEUE]
    assert documents.queues == [DOCUMENTS_QUEUE]
    for name, settings in (("worker-missions", missions), ("worker-documents", documents)):
        assert settings.worker_metrics_host == "0.0.0.0"
        assert str(settings.worker_metrics_port) in SERVICES[name]["expose"]


def test_the_ui_watches_the_temporal_server_sceau_uses() -> None:
    ui = SERVICES["temporal-ui"]["environment"]
    assert ui["TEMPORAL_ADDRESS"] == settings_of("api").temporal_address
    assert ui["TEMPORAL_DEFAULT_NAMESPACE"] == settings_of("api").temporal_namespace


def test_temporal_runs_on_the_postgres_service_after_its_schema() -> None:
    temporal = SERVICES["temporal"]
    assert temporal["environment"]["POSTGRES_SEEDS"] == "postgres"
    assert temporal["environment"]["DB"] == SERVICES["temporal-schema"]["environment"]["SQL_PLUGIN"]
    condition = temporal["depends_on"]["temporal-schema"]["condition"]
    assert condition == "service_completed_successfully"
    schema = SERVICES["temporal-schema"]["command"][0]
    for database in ("temporal", "temporal_visibility"):
        assert f"--db {database} update-schema" in schema


# --- what the deployment exposes (issue 14, point 6) ----------------------------------------
# Parsed only: no Docker engine runs here, so `docker compose config` / `up` are not run.


def published(name: str) -> list[tuple[str | None, str, str]]:
    """The service's published ports as (host address or None for all, host port, container
    port), from compose's short syntax `[HOST_IP:]HOST_PORT:CONTAINER_PORT`."""
    mappings = []
    for mapping in SERVICES[name].get("ports", []):
        parts = str(mapping).rsplit(":", 2)
        address = parts[0] if len(parts) == 3 else None
        mappings.append((address, parts[-2], parts[-1]))
    return mappings


def test_only_the_api_is_published_beyond_the_host() -> None:
    for name in SERVICES:
        for address, host, container in published(name):
            if name == "api":
                continue
            assert address == "127.0.0.1", f"{name} publishes {host}:{container} on every address"
    assert ("127.0.0.1", "7233", "7233") in published("temporal")
    assert ("127.0.0.1", "8233", "8080") in published("temporal-ui")
    assert ("127.0.0.1", "9001", "9001") in published("minio")
    # MinIO's S3 API and PostgreSQL are not published at all: the internal network only.
    assert all(container != "9000" for _, _, container in published("minio"))
    assert not published("postgres")


SECRET_KEY = re.compile(r"PASSWORD|PWD|SECRET|TOKEN|API_KEY|ACCESS_KEY")


def every_environment() -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for name, service in SERVICES.items():
        env = service.get("environment") or {}
        items = env.items() if isinstance(env, dict) else (e.split("=", 1) for e in env)
        found.extend((name, str(key), str(value)) for key, value in items)
    return found


def test_no_secret_has_a_default_and_compose_refuses_to_start_without_them() -> None:
    secrets = [(n, k, v) for n, k, v in every_environment() if SECRET_KEY.search(k)]
    assert secrets
    for name, key, value in secrets:
        assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", value), f"{name}: {key}={value!r}"
    for name, key, value in every_environment():
        if key.endswith("DATABASE_URL"):
            # The password in the URL's user part: a required variable too.
            assert re.search(r"://\w+:\$\{\w+:\?[^}]+\}@", value), f"{name}: {value}"
    text = (ROOT / "docker-compose.yml").read_text()
    assert ":-change-me" not in text and "PASSWORD: sceau" not in text


def test_the_local_signature_provider_runs_only_in_the_dev_profile() -> None:
    assert SERVICES["signature-provider"]["profiles"] == ["dev"]
    for name, service in SERVICES.items():
        if "dev" not in service.get("profiles", []):
            assert "signature-provider" not in service.get("depends_on", []), name
    assert all(address == "127.0.0.1" for address, _, _ in published("signature-provider"))


def test_every_dependency_is_a_service() -> None:
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", []):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"


# --- Dockerfile --------------------------------------------------------------------------


DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_the_image_holds_every_package_the_project_installs() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    copied = set(re.findall(r"^COPY (.+) \S+$", DOCKERFILE, re.MULTILINE))
    sources = {part for line in copied for part in line.split()}
    top_level = {package.split(".")[0] for package in setuptools["packages"]}
    modules = {f"{module}.py" for module in setuptools["py-modules"]}
    assert top_level | modules | {"templates", "pyproject.toml"} <= sources
    assert "FROM python:3.11" in DOCKERFILE


def test_the_image_installs_what_the_dev_machines_install() -> None:
    script = (ROOT / "scripts" / "install-system-deps.sh").read_text()
    wanted = set(re.search(r"packages=\(([^)]*)\)", script).group(1).split())  # type: ignore[union-attr]
    installed = re.search(r"apt-get install[^&]*", DOCKERFILE).group(0)  # type: ignore[union-attr]
    assert wanted <= set(installed.replace("\\", " ").split())

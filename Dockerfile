# One image for the API, both workers, migrations and the local signature provider; the
# compose service's command (`sceau api`, `sceau worker`, …) and SCEAU_ settings pick the role.
# The pages' one third-party script, htmx, from the npm registry (pinned with its SHA-256 in
# the script), as `make install` puts it on a developer's machine.
FROM node:20-bookworm-slim AS htmx
WORKDIR /build
COPY scripts/vendor-htmx.sh scripts/vendor-htmx.sh
RUN scripts/vendor-htmx.sh

FROM python:3.11-slim-bookworm

# What scripts/install-system-deps.sh installs on a developer's machine: LibreOffice Writer
# (headless) and its UNO bindings for Debian's Python, which drives the warm converter pool,
# with metric-compatible fonts; tests/unit/test_deployment.py keeps the two lists equal.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libreoffice-writer-nogui python3-uno fonts-crosextra-carlito fonts-crosextra-caladea \
      fonts-liberation2 fonts-dejavu-core poppler-utils \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 sceau
WORKDIR /app
COPY pyproject.toml ./
COPY api api
COPY contracts contracts
COPY documents documents
COPY esignature esignature
COPY activities activities
COPY domain domain
COPY web web
COPY --from=htmx /build/web/static/vendor/htmx.min.js web/static/vendor/htmx.min.js
COPY workflows workflows
COPY signature_provider signature_provider
COPY migrations migrations
COPY templates templates
COPY worker.py sceau_cli.py supervisor.py ./
# Editable: the code finds templates/ and migrations/ beside its packages. Bytecode is
# compiled here because the workflow sandbox imports the workflow modules for every run.
RUN pip install --no-cache-dir -e '.[tracing]' \
    && python -m compileall -q activities api domain web workflows signature_provider

ENV SCEAU_DATA_DIR=/data \
    SCEAU_PDF_POOL_PYTHON=/usr/bin/python3 \
    SCEAU_LOG_FORMAT=json
RUN mkdir -p /data && chown sceau /data
USER sceau
VOLUME /data
EXPOSE 8000 8100 9464
CMD ["sceau", "api"]

# One image for the API, the workers and the local signature provider.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libreoffice-writer-nogui \
      fonts-crosextra-carlito fonts-crosextra-caladea fonts-liberation2 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY api api
COPY activities activities
COPY domain domain
COPY workflows workflows
COPY signature_provider signature_provider
COPY migrations migrations
COPY templates templates
COPY worker.py sceau_cli.py supervisor.py ./
RUN pip install --no-cache-dir .
ENV SCEAU_DATA_DIR=/data
VOLUME /data
CMD ["sceau", "api"]

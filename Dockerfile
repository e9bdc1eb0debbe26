# The microscope in two images: `web` serves a store without torch; `precompute` (the default target) fills one.
# `docker compose up` builds both: the precompute image fills a volume with the offline demo, the web image serves it.
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
ENV MICROSCOPE_STORE=/data/store MICROSCOPE_HOST=0.0.0.0 MICROSCOPE_PORT=8000
WORKDIR /microscope
VOLUME /data
EXPOSE 8000

# The project's files, copied once; each image installs them with the dependencies it needs.
FROM runtime AS source
COPY pyproject.toml README.md ./
COPY microscope microscope
COPY store store
COPY notes notes
COPY precompute precompute
COPY app app
COPY frontend frontend

# Serve a store: the base install with PostgreSQL's driver and Parquet downloads, no torch.
FROM source AS web
RUN pip install -e ".[postgres,parquet]"
CMD ["microscope", "serve"]

# Fill a store. Not built from `source`, so that a change to the code does not reinstall torch.
FROM runtime AS precompute
# CPU wheels of the pinned torch/torchvision first (the CUDA build from PyPI is gigabytes the demo does not need).
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.14.1 torchvision==0.29.1
COPY --from=source /microscope /microscope
# The README's setup step.
RUN pip install -e ".[precompute]"
# PostgreSQL's driver, for deploy/docker-compose.yml's precompute into a database server (`--db postgresql://…`).
RUN pip install -e ".[postgres]"
# The README's main command, split in its two halves by docker-compose.yml: precompute once, then serve.
CMD ["microscope", "demo"]

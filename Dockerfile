# The microscope: `docker compose up` precomputes the offline demo into a volume, then serves it on port 8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /microscope

# CPU wheels of the pinned torch/torchvision (the CUDA build from PyPI is gigabytes the demo does not need).
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.14.1 torchvision==0.29.1

COPY pyproject.toml README.md ./
COPY microscope microscope
COPY store store
COPY precompute precompute
COPY app app
COPY frontend frontend
# The README's setup step.
RUN pip install -e .

ENV MICROSCOPE_STORE=/data/store MICROSCOPE_HOST=0.0.0.0 MICROSCOPE_PORT=8000
VOLUME /data
EXPOSE 8000
# The README's main command, split in its two halves by docker-compose.yml: precompute once, then serve.
CMD ["microscope", "demo"]

# One image for every role of compose.yaml. Target `studio` (bot, API: no torch) and
# target `worker` (adds the CUDA build of torch and diffusers for the GPU workers).
FROM python:3.11-slim-bookworm AS studio
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/imagine
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY app ./app
COPY bot ./bot
COPY data ./data
COPY inference ./inference
COPY studio ./studio
RUN pip install . && useradd --create-home --uid 10001 imagine
USER imagine
ENV DATA_DIR=/home/imagine/var
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]

FROM studio AS worker
USER root
# PyPI's Linux torch wheel is the CUDA build; the other versions as tested (constraints.txt).
RUN grep -v '^torch==' constraints.txt > /tmp/constraints.txt \
    && pip install "torch==2.13.0" \
    && pip install -c /tmp/constraints.txt ".[worker]"
USER imagine
ENTRYPOINT ["python", "-m", "inference"]
CMD []

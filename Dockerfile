# MiniBot image: the robot (ARI controller), the dashboard and the setup job run from it.
FROM python:3.11.10-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng sox \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 minibot \
    && mkdir -p /data && chown minibot:minibot /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY cli.py robot_ari.py ./
COPY services ./services
COPY campaigns ./campaigns
COPY scenarios ./scenarios
COPY calls ./calls
COPY dashboard ./dashboard
COPY commands ./commands
COPY sql ./sql
RUN pip install --no-cache-dir -e .  # editable: the migrations and queries are read from /app/sql
ENV MINIBOT_DATA_DIR=/data
VOLUME ["/data"]
USER minibot
EXPOSE 8080 9100
# The robot's health (the dashboard's service overrides it in docker-compose.yml).
HEALTHCHECK --interval=15s --start-period=60s --retries=4 \
    CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:9100/health', timeout=3)"
CMD ["minibot", "--help"]

# MiniBot image: the robot (ARI controller) and the dashboard run from it.
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng sox \
    && rm -rf /var/lib/apt/lists/*
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
RUN pip install --no-cache-dir -e .
ENV MINIBOT_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080 9100
CMD ["minibot", "--help"]

# digcomp as a container: the web service and API on port 8000. Data (evidence files, the development signing key,
# the link secret) lives in /data; mount a volume there, shared by every instance. Configure with DIGCOMP_* variables
# (see the README): DATABASE_URL for PostgreSQL, DIGCOMP_SECRET_KEY, DIGCOMP_SIGNING_P12/_PASSPHRASE, DIGCOMP_PUBLIC_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DIGCOMP_DATA_DIR=/data
RUN apt-get update && apt-get install -y --no-install-recommends fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
COPY frameworks ./frameworks
COPY certificates ./certificates
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data digcomp \
    && mkdir -p /data && chown digcomp /data
USER digcomp
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["digcomp", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]

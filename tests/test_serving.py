"""A serving process loads at start what requests would otherwise load on first use, so the first requests of a
worker do not wait behind a second of file reading and parsing (frameworks, labels, certificate fonts, keys)."""

from __future__ import annotations

import gc
import http.client
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import anyio.to_thread
from fastapi.testclient import TestClient

from digcomp.api.app import create_app
from digcomp.credentials import signing
from digcomp.credentials.template import load_template
from digcomp.settings import Settings
from digcomp.store.db import Database, connections
from digcomp.web.common import labels
from tests.servers import serving


def test_a_serving_process_is_warm_before_its_first_request(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", public_url="http://testserver")
    database = Database(f"sqlite:///{tmp_path / 'digcomp.sqlite3'}")
    database.migrate()
    for loader in (labels, load_template, signing.loaded_signer):
        loader.cache_clear()
    interval = sys.getswitchinterval()
    try:
        with TestClient(create_app(settings=settings, database=database, serving=True)):
            assert labels.cache_info().currsize == 1
            assert load_template.cache_info().currsize == 1
            assert signing.loaded_signer.cache_info().currsize == 1
            assert (Path(settings.data_dir) / "signing").is_dir()  # the development key, made at start
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)
        database.dispose()


def test_a_serving_process_has_as_many_request_threads_as_database_connections(
    database: Database, settings: Settings
) -> None:
    """A request thread beyond the PostgreSQL connections would only wait for one, holding its request's memory."""
    interval = sys.getswitchinterval()
    try:
        with TestClient(create_app(settings=settings, database=database, serving=True)) as client:
            assert client.portal is not None
            threads = client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)
    assert threads == (40 if database.url.startswith("sqlite") else connections())  # SQLite: anyio's default


def test_an_idle_connection_stays_open_longer_than_clients_reuse_it(tmp_path: Path) -> None:
    """uvicorn's 5 s closed connections a client was just reusing ("connection reset" under the mixed load)."""
    with serving({"DIGCOMP_DATA_DIR": str(tmp_path / "data")}) as url:
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
        for pause in (0, 6):
            time.sleep(pause)
            connection.request("GET", "/healthz")
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
        connection.close()

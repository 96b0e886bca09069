"""A serving process loads at start what requests would otherwise load on first use, so the first requests of a
worker do not wait behind a second of file reading and parsing (frameworks, labels, certificate fonts, keys)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from digcomp.api.app import create_app
from digcomp.credentials import signing
from digcomp.credentials.template import load_template
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.web.common import labels


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

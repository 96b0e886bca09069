"""A person's browser never gets raw JSON: errors are pages in the reader's language, fit for a phone, with the
request id to quote; programs keep getting the JSON error schema."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from digcomp.api.app import create_app
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.web import pages_public
from tests.journey import API

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_an_api_address_followed_in_a_browser_answers_with_a_page(client: TestClient) -> None:
    client.cookies.set("digcomp_lang", "lv")
    page = client.get(f"{API}/certificates/DC-2026-NOSUCHONE/edc", headers=BROWSER)
    assert (page.status_code, page.headers["content-type"]) == (404, "text/html; charset=utf-8")
    assert '<html lang="lv">' in page.text
    assert '<meta name="viewport" content="width=device-width' in page.text
    assert f"Pieprasījuma identifikators: {page.headers['x-request-id']}" in page.text
    assert "<title>Nav atrasts" in page.text

    machine = client.get(f"{API}/certificates/DC-2026-NOSUCHONE/edc")
    assert machine.headers["content-type"] == "application/json"
    assert machine.json()["request_id"] == machine.headers["x-request-id"]


def test_an_unexpected_error_is_a_page_with_the_request_id(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(pages_public, "render", broken)  # the verification page fails to draw
    app = create_app(settings=settings, database=database)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.cookies.set("digcomp_lang", "en")
        page = client.get("/verify", headers=BROWSER)
        assert (page.status_code, page.headers["content-type"]) == (500, "text/html; charset=utf-8")
        assert "Something went wrong on our side" in page.text
        assert page.headers["x-request-id"] in page.text
        assert "a bug" not in page.text  # nothing of the inside shown
        program = client.get("/verify")  # a page's address: a page, whoever asks
        assert (program.status_code, program.headers["content-type"]) == (500, "text/html; charset=utf-8")

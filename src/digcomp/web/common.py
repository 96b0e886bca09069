"""What every page needs: templates, labels in the visitor's language, the logged-in person, and redirects."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from digcomp.access import service as access
from digcomp.access.actor import Actor
from digcomp.api.deps import SESSION_COOKIE, get_database, get_settings_dep
from digcomp.errors import DomainError, Invalid, Unauthenticated

HERE = Path(__file__).parent
LANGUAGES = ("lv", "en")
LANG_COOKIE = "digcomp_lang"
templates = Jinja2Templates(directory=str(HERE / "templates"))


@cache
def labels() -> dict[str, dict[str, str]]:
    loaded = {
        lang: yaml.safe_load((HERE / "labels" / f"{lang}.yaml").read_text(encoding="utf-8")) for lang in LANGUAGES
    }
    if set(loaded["lv"]) != set(loaded["en"]):
        raise ValueError(f"web labels differ between languages: {sorted(set(loaded['lv']) ^ set(loaded['en']))}")
    return loaded


def language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "en" if accept[:2].lower() == "en" else "lv"


def translator(lang: str) -> Any:
    table = labels()[lang]

    def t(key: str) -> str:
        return table.get(key, key)

    return t


def web_actor(request: Request) -> Actor | None:
    """The logged-in person (web session, or a mentor link opened in the browser), or None."""
    if hasattr(request.state, "web_actor"):
        return request.state.web_actor  # type: ignore[no-any-return]
    secret = request.cookies.get(SESSION_COOKIE)
    actor = None
    if secret:
        settings = get_settings_dep(request)
        try:
            actor = get_database(request).run(lambda s: access.authenticate(s, settings, secret))
        except Unauthenticated:
            actor = None
    request.state.web_actor = actor
    return actor


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def require_login(request: Request) -> Actor:
    actor = web_actor(request)
    if actor is None:
        raise LoginRequired(str(request.url.path))
    return actor


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    return templates.TemplateResponse(
        request,
        template,
        {"t": translator(lang), "lang": lang, "actor": web_actor(request), "path": request.url.path, **context},
        status_code=status_code,
    )


def back(url: str, done: str | None = None) -> RedirectResponse:
    return RedirectResponse(f"{url}?done={quote(done)}" if done else url, status_code=303)


def problem_text(exc: Exception) -> tuple[str, dict[str, str]]:
    """A message for the top of the form and messages per field, from a domain or validation error."""
    fields: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            name = str(error["loc"][-1]) if error["loc"] else "form"
            fields.setdefault(name, str(error["msg"]).removeprefix("Value error, "))
        return "", fields
    if isinstance(exc, Invalid):
        for detail in exc.errors:
            loc = detail.get("loc") or [detail.get("field", "form")]
            fields.setdefault(str(loc[-1]), str(detail.get("msg", "")))
    if isinstance(exc, DomainError):
        return exc.message, fields
    return str(exc), fields


def same_origin(request: Request) -> bool:
    """Forms are only accepted from our own pages (cookies are SameSite=Lax as well)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host

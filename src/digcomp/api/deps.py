"""Request dependencies shared by the routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from digcomp.access.actor import Actor
from digcomp.access.service import Caller
from digcomp.access.throttle import LoginThrottle
from digcomp.credentials.proof import CredentialKey
from digcomp.credentials.signing import credential_key
from digcomp.errors import Forbidden, Unauthenticated
from digcomp.framework import Catalog
from digcomp.settings import Settings
from digcomp.store.db import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_credential_key(request: Request) -> CredentialKey:
    """The school's credential key, found (or created, in development) once per application."""
    key: CredentialKey | None = getattr(request.app.state, "credential_key", None)
    if key is None:
        key = request.app.state.credential_key = credential_key(get_settings_dep(request))
    return key


def get_base_url(request: Request) -> str:
    """Where this service is reached: ``DIGCOMP_PUBLIC_URL`` when set, else the request's own scheme, host and
    port (forwarded headers count only from the proxies named in ``DIGCOMP_FORWARDED_ALLOW_IPS``)."""
    configured = get_settings_dep(request).public_url
    return (configured or str(request.base_url)).rstrip("/")


MAX_ID = 2**31 - 1  # the databases' integer keys
NOT_EMPTY: dict[str, Any] = {"minLength": 1}  # an upload of no bytes is refused (the contract says so)
Ident = Annotated[int, Path(ge=1, le=MAX_ID, description="A record's number", examples=[1])]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def throttle_of(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.throttle
    return throttle


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int


SESSION_COOKIE = "digcomp_session"


def bearer_secret(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def same_site(request: Request) -> bool:
    """Did a browser send this from our own pages? The Origin header (or, failing that, the Referer) must name this
    host; a change with neither, or with Origin ``null``, is refused."""
    source = request.headers.get("origin") or request.headers.get("referer") or "null"
    if source == "null":
        return False
    return source.split("://", 1)[-1].split("/", 1)[0] == request.headers.get("host", "")


BEARER = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token, or a mentor link's token")


async def current_caller(
    request: Request, _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None
) -> Caller:
    secret = bearer_secret(request)
    from_cookie = secret is not None and not request.headers.get("authorization")
    if from_cookie and request.method in UNSAFE_METHODS and not same_site(request):
        raise Forbidden("a change sent with a browser session must come from digcomp's own pages")
    if not secret:
        raise Unauthenticated("log in first: send 'Authorization: Bearer <token>' (POST /api/v1/auth/token gives one)")
    return Caller(secret, get_settings_dep(request))


def current_actor(request: Request, caller: Annotated[Caller, Depends(current_caller)]) -> Actor:
    return get_database(request).read(caller.actor)


# FastAPI runs a plain ``def`` dependency in a worker thread: one hand-over per dependency per request. Those
# that only read the app's state are ``async`` so they are answered on the event loop.


async def _database(request: Request) -> Database:
    return get_database(request)


async def _catalog(request: Request) -> Catalog:
    return get_catalog(request)


async def _settings(request: Request) -> Settings:
    return get_settings_dep(request)


async def _base_url(request: Request) -> str:
    return get_base_url(request)


async def _paging(
    offset: Annotated[int, Query(ge=0, le=MAX_ID, description="How many items to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (at most 200)")] = 50,
) -> Paging:
    return Paging(offset, limit)


DatabaseDep = Annotated[Database, Depends(_database)]
ActorDep = Annotated[Actor, Depends(current_actor)]
CallerDep = Annotated[Caller, Depends(current_caller)]
CatalogDep = Annotated[Catalog, Depends(_catalog)]
SettingsDep = Annotated[Settings, Depends(_settings)]
CredentialKeyDep = Annotated[CredentialKey, Depends(get_credential_key)]
PagingDep = Annotated[Paging, Depends(_paging)]
BaseUrlDep = Annotated[str, Depends(_base_url)]

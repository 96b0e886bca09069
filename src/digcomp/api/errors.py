"""Every error becomes one documented shape — ``{"detail": …, "errors": […]?, "request_id": …}`` — with a status that
says what is wrong; never a traceback. Unexpected failures are logged with the request id and answered 500."""

from __future__ import annotations

import logging
import re
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException

from digcomp.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    TooLarge,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
    UnsupportedType,
)
from digcomp.store.db import ConcurrentUpdate

log = logging.getLogger("digcomp.api")

STATUS = {
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    Forbidden: 403,
    Unauthenticated: 401,
    Invalid: 422,
    TooLarge: 413,
    UnsupportedType: 415,
    TooManyRequests: 429,
    Unavailable: 503,
}
UNUSABLE_VALUE = "a value cannot be stored: text must not contain NUL characters and numbers must be in range"


class FieldError(BaseModel):
    loc: list[str | int] | None = None
    msg: str
    type: str | None = None
    row: int | None = None
    field: str | None = None


class ErrorOut(BaseModel):
    """The body of every error answer."""

    detail: str
    errors: list[FieldError] | None = None
    request_id: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "The body cannot be read: not JSON, or not UTF-8 text"),
        (401, "Not logged in, or the token has expired"),
        (403, "Logged in, but not allowed to do this"),
        (404, "No such record, or not one the caller may see"),
        (409, "Not allowed in the record's present state (the message says why)"),
        (413, "The request is larger than this address accepts"),
        (422, "The input is not valid (the errors say which field and why)"),
        (429, "Too many attempts; see Retry-After"),
        (503, "The database cannot be reached just now (restarting, overloaded); nothing was changed, see Retry-After"),
    )
}
RETRY_AFTER_SECONDS = 5
MAX_LISTED_ERRORS = 20
DATABASE_UNREACHABLE = "the database cannot be reached just now; nothing was changed, try again in a few seconds"


def database_unreachable(exc: Exception) -> bool:
    """The database is down, restarting or out of connections — a moment's outage, not a fault of the request."""
    if isinstance(exc, SQLAlchemyTimeout):  # no connection free in the pool in time
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc.orig, psycopg.OperationalError):
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc)  # SQLite: a writer held on past the timeout


GONE: dict[int | str, dict[str, Any]] = {
    410: {
        "model": ErrorOut,
        "description": "It existed, but is no longer served: revoked, or erased at its holder's request",
    }
}

SIGNING_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorOut,
        "description": "The timestamp authority or a CA's revocation service did not answer (PAdES B-LT signing): "
        "nothing was signed; try again later",
    }
}


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def error_response(
    request: Request, status: int, detail: str, errors: list[Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"detail": detail, "request_id": request_id(request)}
    if errors:
        body["errors"] = errors
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


def domain_status(exc: DomainError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)


def allowed_methods(app: FastAPI, path: str) -> str | None:
    """Every method the published contract declares at this address — Starlette's 405 names only the first route
    that matched the path (one route per method here). The most specific address wins, as in routing:
    ``/mobilities/import`` is not ``/mobilities/{mobility_id}``. None for an address outside the contract."""
    matching = [(parameters, declared) for pattern, parameters, declared in _contract_paths(app) if pattern.match(path)]
    if not matching:
        return None
    fewest = min(parameters for parameters, _ in matching)
    methods = {method.upper() for parameters, declared in matching if parameters == fewest for method in declared}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def _contract_paths(app: FastAPI) -> list[tuple[re.Pattern[str], int, list[str]]]:
    cached: list[tuple[re.Pattern[str], int, list[str]]] | None = getattr(app.state, "contract_paths", None)
    if cached is None:
        cached = [
            (
                re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"),
                template.count("{"),
                list(operations),
            )
            for template, operations in app.openapi()["paths"].items()
        ]
        app.state.contract_paths = cached
    return cached


def install(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        """Routing's own refusals (no such address, a method the address does not answer, an unreadable body) in the
        same shape as every other error."""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(app, request.url.path) or headers.get("Allow", "")
        return error_response(request, exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status = domain_status(exc)
        # the templates are for translation in the web; the API answers in English
        errors = [{k: v for k, v in e.items() if k not in ("template", "params")} for e in getattr(exc, "errors", [])]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return error_response(request, status, exc.message, errors, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = exc.errors()
        errors = [
            {"loc": list(e["loc"])[:8], "msg": str(e["msg"]).removeprefix("Value error, ")[:300], "type": e["type"]}
            for e in found[:MAX_LISTED_ERRORS]  # a flood of bad fields gets a short answer, with the count
        ]
        summary = "; ".join(f"{'.'.join(map(str, e['loc'][1:])) or 'body'}: {e['msg']}" for e in errors[:5])
        more = f" ({len(found)} problems; the first {MAX_LISTED_ERRORS} are listed)" if len(found) > len(errors) else ""
        return error_response(request, 422, f"invalid input: {summary}{more}", errors)

    @app.exception_handler(ConcurrentUpdate)
    async def concurrent(request: Request, exc: ConcurrentUpdate) -> JSONResponse:
        return error_response(request, 409, str(exc))

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
        return error_response(request, 409, "the change conflicts with existing data")

    @app.exception_handler(DataError)
    async def unusable(request: Request, exc: DataError) -> JSONResponse:
        return error_response(request, 422, UNUSABLE_VALUE)

    @app.exception_handler(OverflowError)
    async def overflow(request: Request, exc: OverflowError) -> JSONResponse:
        return error_response(request, 422, UNUSABLE_VALUE)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(SQLAlchemyTimeout)
    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        if not database_unreachable(exc):
            return await unexpected(request, exc)
        log.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(request, 503, DATABASE_UNREACHABLE, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error %s on %s %s", request_id(request), request.method, request.url.path)
        # answered outside the middleware that names every answer's request id: named here
        return error_response(
            request,
            500,
            "something went wrong on our side; quote this request id to the operator",
            headers={"X-Request-Id": request_id(request)},
        )

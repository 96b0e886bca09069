"""Map domain errors to HTTP answers with a message that says what is wrong; never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from digcomp.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooLarge,
    Unauthenticated,
    UnsupportedType,
)
from digcomp.store.db import ConcurrentUpdate

log = logging.getLogger("digcomp.api")

STATUS = {
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    Unauthenticated: 401,
    Invalid: 422,
    TooLarge: 413,
    UnsupportedType: 415,
}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        body: dict[str, object] = {"detail": exc.message}
        if isinstance(exc, Invalid) and exc.errors:
            # the templates are for translation in the web; the API answers in English
            body["errors"] = [{k: v for k, v in e.items() if k not in ("template", "params")} for e in exc.errors]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e["loc"]), "msg": str(e["msg"]).removeprefix("Value error, "), "type": e["type"]}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{'.'.join(map(str, e['loc'][1:])) or 'body'}: {e['msg']}" for e in errors[:5])
        return JSONResponse(
            jsonable_encoder({"detail": f"invalid input: {summary}", "errors": errors}), status_code=422
        )

    @app.exception_handler(ConcurrentUpdate)
    async def concurrent(request: Request, exc: ConcurrentUpdate) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse({"detail": "the change conflicts with existing data"}, status_code=409)

"""The web interface: server-rendered pages for coordinators, mentors, learners and the public."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException

from digcomp.api.errors import RETRY_AFTER_SECONDS, domain_status, request_id
from digcomp.errors import DomainError, TooManyRequests
from digcomp.web import (
    pages_assessment,
    pages_framework,
    pages_mobilities,
    pages_mobility,
    pages_public,
    pages_recognition,
    pages_school,
)
from digcomp.web.common import HERE, LoginRequired, localizer, render

PAGE_MODULES = (
    pages_mobilities,
    pages_mobility,
    pages_assessment,
    pages_recognition,
    pages_school,
    pages_public,
    pages_framework,
)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in PAGE_MODULES:
        app.include_router(module.router)
    api_answers = {
        kind: app.exception_handlers[kind]
        for kind in (DomainError, HTTPException, RequestValidationError, DBAPIError, Exception)
    }

    async def for_machines(request: Request, exc: Exception, kind: type[Exception]) -> Response:
        answer = api_answers[kind](request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    @app.exception_handler(HTTPException)
    async def no_such_page(request: Request, exc: HTTPException) -> Response:
        if not wants_page(request):
            return await for_machines(request, exc, HTTPException)
        message = localizer(request).label("bad_address") if exc.status_code == 404 else str(exc.detail)
        return error_page(request, exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def bad_address(request: Request, exc: RequestValidationError) -> Response:
        if not wants_page(request):
            return await for_machines(request, exc, RequestValidationError)
        return error_page(request, 404, localizer(request).label("bad_address"))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={exc.next_url}", status_code=303)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if not is_page(request):
            return await for_machines(request, exc, DomainError)
        retry = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else {}
        return error_page(request, domain_status(exc), localizer(request).error(exc), retry)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(SQLAlchemyTimeout)
    async def database_error(request: Request, exc: Exception) -> Response:
        answer = await for_machines(request, exc, DBAPIError)
        if not is_page(request):
            return answer
        if answer.status_code == 503:
            return error_page(
                request,
                503,
                localizer(request, anonymous=True).label("unavailable"),
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return error_page(
            request,
            500,
            localizer(request, anonymous=True).label("server_error"),
            {"X-Request-Id": request_id(request)},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        answer = await for_machines(request, exc, Exception)  # logged there, with the request id
        if not is_page(request):
            return answer
        return error_page(
            request,
            500,
            localizer(request, anonymous=True).label("server_error"),
            {"X-Request-Id": request_id(request)},
        )


def wants_page(request: Request) -> bool:
    """A person's browser (it asks for HTML), not a program: an error is a page in their language, never JSON, even
    at an API address they followed a link to (a download)."""
    return "text/html" in request.headers.get("accept", "")


def is_page(request: Request) -> bool:
    """A web page's address (whoever asks), or any address a browser asks for: its errors are pages."""
    return not request.url.path.startswith("/api/") or wants_page(request)


ERROR_TITLES = {
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    410: "gone",
    429: "too_many",
    500: "server_error_title",
    503: "unavailable_title",
}


def error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as a page: its title by the kind of error, the message, and the request id to quote."""
    page = render(
        request,
        "message.html",
        status,
        title_key=ERROR_TITLES.get(status, "error_title"),
        message=message,
        request_id=request_id(request),
        anonymous=status >= 500,  # the database may be what failed: the page names nobody
    )
    page.headers.update(headers or {})
    return page

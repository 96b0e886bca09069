"""The web interface: server-rendered pages for coordinators, mentors, learners and the public."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from digcomp.errors import DomainError, Forbidden, NotFound
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


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (
        pages_mobilities,
        pages_mobility,
        pages_assessment,
        pages_recognition,
        pages_school,
        pages_public,
        pages_framework,
    ):
        app.include_router(module.router)
    api_handler = app.exception_handlers[DomainError]
    api_answers = {kind: app.exception_handlers[kind] for kind in (HTTPException, RequestValidationError)}

    async def for_machines(request: Request, exc: Exception) -> Response:
        answer = api_answers[HTTPException if isinstance(exc, HTTPException) else RequestValidationError](request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    def for_people(request: Request) -> bool:
        """A browser asking for a page outside the API: a mistyped or stale address gets a page, not JSON."""
        return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")

    @app.exception_handler(HTTPException)
    async def no_such_page(request: Request, exc: HTTPException) -> Response:
        if not for_people(request):
            return await for_machines(request, exc)
        title = "not_found" if exc.status_code == 404 else "error_title"
        return render(
            request, "message.html", exc.status_code, title_key=title, message=localizer(request).label("bad_address")
        )

    @app.exception_handler(RequestValidationError)
    async def bad_address(request: Request, exc: RequestValidationError) -> Response:
        if not for_people(request):
            return await for_machines(request, exc)
        return render(
            request, "message.html", 404, title_key="not_found", message=localizer(request).label("bad_address")
        )

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={exc.next_url}", status_code=303)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if request.url.path.startswith("/api/"):
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, Forbidden) else 409
        title = "not_found" if status == 404 else "forbidden" if status == 403 else "error_title"
        return render(request, "message.html", status, title_key=title, message=localizer(request).error(exc))

"""ASGI middleware: a request id on every answer, request bodies bounded before they are read, security headers."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from typing import Any

from digcomp.mail.outbox import SERVED_AT

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]
App = Callable[[Scope, Receive, Send], Any]

REQUEST_ID_HEADER = b"x-request-id"


# Answers the same for everyone (verification, public credentials, profiles, revocation lists, logos)
PUBLIC_ANSWERS = re.compile(
    r"^/verify(/|$)|^/api/v1/certificates/[^/]+/(verification|credential|edc)$"
    r"|^/api/v1/organisations/[0-9]+/(profile|logo|status-lists/[0-9]+)$"
)
STATIC = "/static/"


def cache_rule(method: str, path: str) -> bytes | None:
    """How long a browser or a proxy may keep an answer that does not say so itself: nothing personal is ever kept
    (pages, API answers, documents: ``no-store``); public verification a minute; static files as the server says."""
    if path.startswith(STATIC):
        return None
    if method == "GET" and PUBLIC_ANSWERS.match(path):
        return b"public, max-age=60"
    return b"no-store"


def with_headers(send: Send, headers: list[tuple[bytes, bytes]], cache: bytes | None = None) -> Send:
    """``send``, adding ``headers`` to the response, and ``Cache-Control: cache`` unless the answer has its own."""

    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            own = message.get("headers", [])
            added = [*headers]
            if cache is not None and not any(name.lower() == b"cache-control" for name, _ in own):
                added.append((b"cache-control", cache))
            message["headers"] = [*own, *added]
        await send(message)

    return sending


class BodyLimit:
    """Refuse a request body larger than its route allows — by its announced Content-Length before anything is read
    (and before authentication); a body without a length is read up to the limit first. Text bodies (JSON, forms)
    are read whole — they are small — and refused when they hold a NUL character, which no text field may carry."""

    def __init__(self, app: App, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = dict(scope["headers"])
        announced = headers.get(b"content-length")
        if announced is not None and (not announced.isdigit() or int(announced) > limit):
            await _refuse(
                scope, send, 413, f"the request is larger than {readable(limit)}, the most this address accepts"
            )
            return
        textual = headers.get(b"content-type", b"").split(b";")[0].strip() in TEXT_TYPES
        if announced is not None and not textual:
            await self.app(scope, receive, send)  # the server delivers no more than the announced length
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if len(body) > limit:
                await _refuse(scope, send, 413, f"the request is larger than {readable(limit)}, the most accepted")
                return
            if not message.get("more_body"):
                break
        if textual and (b"\x00" in body or b"\\u0000" in body or b"%00" in body):
            await _refuse(scope, send, 422, "the request holds a NUL character, which no text may contain")
            return
        if headers.get(b"content-type", b"").split(b";")[0].strip() == b"application/json":
            problem = json_shape_problem(bytes(body))
            if problem:
                await _refuse(scope, send, 422, problem)
                return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()  # type: ignore[no-any-return]
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


TEXT_TYPES = frozenset({b"application/json", b"application/x-www-form-urlencoded"})
MAX_JSON_DEPTH = 32
MAX_JSON_FIELDS = 2000  # a plan version with 50 outcomes in 8 languages needs a few hundred


def json_shape_problem(body: bytes) -> str | None:
    """A JSON body nested deeper or holding more fields than any request needs, found by one pass over its bytes
    before it is parsed: a body of 60,000 unknown keys would otherwise cost seconds and a megabytes-long error."""
    depth = deepest = fields = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x7D, 0x5D):
            depth -= 1
        elif byte == 0x3A:  # a colon outside strings: one field
            fields += 1
    if deepest > MAX_JSON_DEPTH:
        return f"the JSON body is nested {deepest} levels deep; at most {MAX_JSON_DEPTH} are accepted"
    if fields > MAX_JSON_FIELDS:
        return f"the JSON body has {fields} fields; at most {MAX_JSON_FIELDS} are accepted"
    return None


def readable(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


async def _refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail, "request_id": scope.get("state", {}).get("request_id", "")}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
UNPOLICED = ("/docs", "/redoc")  # the interactive API documentation brings its own scripts


class AnswerHeaders:
    """Every answer carries a request id (also kept in ``scope["state"]``: a user can quote it and the operator find
    the request in the log) and the security headers. Outermost, so refusals by the middleware inside carry both."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        headers = [
            (REQUEST_ID_HEADER, request_id.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            # mentor links carry their token in the address: never sent to other sites (our own forms still name
            # their origin, which the same-site check needs)
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if not scope["path"].startswith(UNPOLICED):
            headers.append((b"content-security-policy", PAGE_POLICY.encode()))
        if scope.get("scheme") == "https":
            headers.append((b"strict-transport-security", b"max-age=31536000"))
        await self.app(scope, receive, with_headers(send, headers, cache_rule(scope["method"], scope["path"])))


class PublicAddress:
    """Names, for everything the request does, the address the service is reached at — the configured public URL,
    else the request's own scheme and host (forwarded ones only from trusted proxies, as uvicorn gives them) — so
    the e-mails it queues link where the mentor link does (``mail.outbox.SERVED_AT``)."""

    def __init__(self, app: App, configured: str | None) -> None:
        self.app = app
        self.configured = configured.rstrip("/") if configured else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = SERVED_AT.set(self.configured or _served_at(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            SERVED_AT.reset(token)


def _served_at(scope: Scope) -> str:
    host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
    if not host and scope.get("server"):
        name, port = scope["server"]
        host = f"{name}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"

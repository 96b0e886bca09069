"""Errors of the domain, each meaning one thing to a user; the API maps them to HTTP status codes."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """404: no such record, or not one the caller may see (the two are never told apart)."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")


class Conflict(DomainError):
    """409: the step is not allowed in the record's current state; the message says why."""


class Forbidden(DomainError):
    """403: the caller is known but may not do this."""


class Unauthenticated(DomainError):
    """401: no valid credentials."""


class Invalid(DomainError):
    """422: the input is well-formed but wrong; ``errors`` lists what to fix, field by field."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class TooLarge(DomainError):
    """413: the upload is larger than allowed."""


class UnsupportedType(DomainError):
    """415: the file's content is not a type we accept (judged from its bytes, never its name)."""

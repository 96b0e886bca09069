"""Errors of the domain, each meaning one thing to a user; the API maps them to HTTP status codes.

A message is an English template with named parameters (``Conflict("plan version {number} is agreed",
number=2)``): the API answers in English, and the web shows the same message from the catalogue in the page's
language (``digcomp.i18n``). Parameters that are words rather than data are wrapped in ``Term`` so they are
translated too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


class Term(str):
    """A word in a message that is translated with the message (a role, a status, a kind of record)."""

    __slots__ = ()


class LanguageName(str):
    """A language code shown in a message as the language's name in the reader's language."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        from digcomp.i18n import language_name

        return language_name(str(self), "en")


class Phrase(str):
    """A sentence or part of a message with its own template: it is its English text (so it serialises as a
    plain string) and keeps the template and parameters for translation."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Phrase:
        phrase = super().__new__(cls, fill(template, params))
        phrase.template = template
        phrase.params = params
        return phrase


def _english(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(_english(v)) for v in value)
    return value


def fill(template: str, params: dict[str, Any]) -> str:
    return template.format(**{k: _english(v) for k, v in params.items()}) if params else template


def problem(loc: list[str | int], template: str, **params: Any) -> dict[str, Any]:
    """One field's problem for ``Invalid``: English ``msg`` for the API, the template for translation."""
    return {"loc": loc, "msg": fill(template, params), "template": template, "params": params}


class DomainError(Exception):
    def __init__(self, template: str, /, **params: Any) -> None:
        self.template = template
        self.params = params
        self.message = fill(template, params)
        super().__init__(self.message)


class NotFound(DomainError):
    """404: no such record, or not one the caller may see (the two are never told apart)."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__("{kind} {ident} not found", kind=Term(kind), ident=ident)


class Conflict(DomainError):
    """409: the step is not allowed in the record's current state; the message says why."""


class Forbidden(DomainError):
    """403: the caller is known but may not do this."""


class Unauthenticated(DomainError):
    """401: no valid credentials."""


class Invalid(DomainError):
    """422: the input is well-formed but wrong; ``errors`` lists what to fix, field by field (see ``problem``)."""

    def __init__(self, template: str, errors: list[dict[str, Any]] | None = None, /, **params: Any) -> None:
        super().__init__(template, **params)
        self.errors = errors or []


class Gone(DomainError):
    """410: the record existed but is no longer served (revoked, or erased at its holder's request)."""


def erased(erased_at: dt.datetime | None) -> Gone:
    """A document or file that named a person whose data was erased at their request: gone, and why."""
    if erased_at is None:
        return Gone("this document was erased at its holder's request")
    return Gone("this document was erased at its holder's request on {date}", date=erased_at.date().isoformat())


class TooLarge(DomainError):
    """413: the upload is larger than allowed."""


class TooManyRequests(DomainError):
    """429: too many attempts; ``retry_after`` seconds until the next is accepted."""

    def __init__(self, template: str, /, retry_after: int, **params: Any) -> None:
        super().__init__(template, **params)
        self.retry_after = retry_after


class UnsupportedType(DomainError):
    """415: the file's content is not a type we accept (judged from its bytes, never its name)."""


class Unavailable(DomainError):
    """503: an outside service the step needs (a timestamp authority, a CA's OCSP responder) did not answer."""


class InvalidValue(ValueError):
    """A validator's complaint (pydantic turns it into a field error) that keeps its template for translation."""

    def __init__(self, template: str, /, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(fill(template, params))

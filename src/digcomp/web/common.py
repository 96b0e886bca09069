"""What every page needs: templates, labels in the visitor's language, the logged-in person, and redirects."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import select

from digcomp.access import service as access
from digcomp.access.actor import Actor
from digcomp.api.deps import SESSION_COOKIE, get_database, get_settings_dep, same_site
from digcomp.errors import DomainError, Forbidden, Invalid, InvalidValue, Phrase, Unauthenticated
from digcomp.i18n import (
    PUBLIC_LANGUAGES,
    UI_LANGUAGES,
    Localizer,
    best_text,
    choose,
    native_name,
    with_corrections,
)
from digcomp.resources import read_yaml
from digcomp.store.models import Organisation

HERE = Path(__file__).parent
LANG_COOKIE = "digcomp_lang"
templates = Jinja2Templates(directory=str(HERE / "templates"))

# Pydantic's error types, said in the page's language (label key and the context values it uses).
VALIDATION_LABELS = {
    "missing": "err_required",
    "string_too_short": "err_too_short",
    "string_too_long": "err_too_long",
    "too_short": "err_too_few",
    "too_long": "err_too_many",
    "int_parsing": "err_number",
    "int_type": "err_number",
    "greater_than_equal": "err_at_least",
    "less_than_equal": "err_at_most",
    "date_from_datetime_parsing": "err_date",
    "date_parsing": "err_date",
    "date_type": "err_date",
    "value_error": "err_invalid",
    "enum": "err_choice",
    "literal_error": "err_choice",
    "bool_parsing": "err_choice",
    "url_parsing": "err_url",
    "dict_type": "err_invalid",
}


# Form and model field names -> the label that names the field on the page.
FIELD_LABELS = {
    "text": "outcome_text",
    "criteria": "criteria",
    "competence": "framework_competence",
    "target_level": "target_level",
    "methods": "methods",
    "start_date": "start_date",
    "end_date": "end_date",
    "host_id": "host_organisation",
    "host_organisation_id": "host_organisation",
    "mentor_id": "mentor",
    "learner_given_name": "learner_given_name",
    "learner_family_name": "learner_family_name",
    "learner_email": "learner_email",
    "learner_phone": "person_phone",
    "host_name": "host_name",
    "host_country": "host_country",
    "country": "host_country",
    "name": "host_name",
    "mentor_given_name": "mentor_given_name",
    "mentor_family_name": "mentor_family_name",
    "mentor_email": "mentor_email",
    "mentor_language": "mentor_language",
    "mentor_job_title": "mentor_job_title",
    "working_language": "working_language",
    "qualification": "qualification",
    "eqf_level": "eqf_level",
    "objective": "objective",
    "tasks": "tasks",
    "programme": "programme",
    "project_reference": "project_reference",
    "vet_programme": "vet_programme",
    "group_name": "group",
    "report_every_days": "report_every_days",
    "module_code": "planned_module",
    "password": "password",
    "email": "email",
    "days_valid": "link_valid_days",
    "given_name": "learner_given_name",
    "family_name": "learner_family_name",
    "language": "mentor_language",
    "job_title": "mentor_job_title",
    "level": "level",
    "justification": "justification",
    "reason": "revoke_reason",
    # a form's field of one of several items (``grade-<result id>``): by its kind
    "module-": "module",
    "grade-": "grade",
    "reason-": "recognition_reason",
}


@cache
def labels() -> dict[str, dict[str, str]]:
    """The web labels per language. Latvian and English label every page; a host's language (Italian …) the pages
    people abroad use — a key it lacks reads English."""
    loaded = {
        lang: with_corrections("web", lang, read_yaml(HERE / "labels" / f"{lang}.yaml")) for lang in PUBLIC_LANGUAGES
    }
    if set(loaded["lv"]) != set(loaded["en"]):
        raise ValueError(f"web labels differ between languages: {sorted(set(loaded['lv']) ^ set(loaded['en']))}")
    for lang, table in loaded.items():
        if not_text := [key for key, value in table.items() if not isinstance(value, str)]:
            raise ValueError(f"web labels in {lang} that are not text (quote a bare No or Yes): {not_text}")
        if unknown := set(table) - set(loaded["en"]):
            raise ValueError(f"web labels in {lang} that English lacks (mistyped keys?): {sorted(unknown)}")
    return loaded


def languages_for(actor: Actor | None) -> tuple[str, ...]:
    """The languages a person's pages are offered in: the school's staff work in Latvian or English."""
    return UI_LANGUAGES if actor is not None and actor.is_staff and actor.via_link is None else PUBLIC_LANGUAGES


def language(request: Request, *, anonymous: bool = False) -> str:
    """The page's language (``i18n.choose``): the visitor's choice, the language recorded for the logged-in person,
    the browser's. ``anonymous``: without looking up who is logged in (an error page when the database failed) —
    only a person this request already knew counts."""
    actor = getattr(request.state, "web_actor", None) if anonymous else web_actor(request)
    return choose(
        request.cookies.get(LANG_COOKIE),
        actor.language if actor else None,
        request.headers.get("accept-language", ""),
        languages_for(actor),
    )


def localizer(request: Request, *, anonymous: bool = False) -> Localizer:
    lang = language(request, anonymous=anonymous)
    return Localizer(lang, labels()[lang], fallback=labels()["en"], pseudo=get_settings_dep(request).pseudo_labels)


def web_actor(request: Request) -> Actor | None:
    """The logged-in person (web session, or a mentor link opened in the browser), or None."""
    if hasattr(request.state, "web_actor"):
        return request.state.web_actor  # type: ignore[no-any-return]
    secret = request.cookies.get(SESSION_COOKIE)
    actor = None
    if secret:
        settings = get_settings_dep(request)
        try:
            actor = get_database(request).read(lambda s: access.authenticate(s, settings, secret))
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


def render(
    request: Request, template: str, status_code: int = 200, *, anonymous: bool = False, **context: Any
) -> HTMLResponse:
    """``template`` in the page's language; ``anonymous``: without looking up who is logged in (an error page when
    the database may be what failed)."""
    loc = localizer(request, anonymous=anonymous)
    lang = loc.language

    def texts(values: Mapping[str, str] | None) -> tuple[str, str]:
        """A text the school wrote, in the page's language when written in it: (language, text)."""
        return best_text(values, [lang, "en"])

    def message(value: Any) -> str:
        if isinstance(value, Phrase | DomainError | InvalidValue):
            return loc.error(value)
        return str(value) if value is not None else ""

    done = request.query_params.get("done")
    actor = None if anonymous else web_actor(request)
    choices = [(code, loc.mark(native_name(code))) for code in languages_for(actor)]
    return templates.TemplateResponse(
        request,
        template,
        {
            "t": loc.label,
            "loc": loc,
            "lang": lang,
            "refused": status_code >= 400 and template != "message.html",  # a form again, with what is wrong
            "day": loc.day,
            "country": loc.country,
            "language_name": loc.language_name,
            "language_names": lambda codes: ", ".join(loc.language_name(c) for c in codes),
            "texts": texts,
            "msg": message,
            "field_label": lambda name: loc.label(
                FIELD_LABELS.get(name) or FIELD_LABELS.get(name.partition("-")[0] + "-", "field_other")
            ),
            "actor": actor,
            "brand": None if anonymous else _brand(request, actor),
            "path": request.url.path,
            "saved": loc.label(f"done_{done}") if done and loc.has(f"done_{done}") else "",
            "language_choices": choices,
            **context,
        },
        status_code=status_code,
    )


def _brand(request: Request, actor: Actor | None) -> dict[str, Any] | None:
    """The logged-in person's school's colour and logo, for the page header (a mentor's link shows none)."""
    if actor is None or actor.via_link is not None:
        return None
    query = select(Organisation.id, Organisation.brand_colour, Organisation.logo_media_type).where(
        Organisation.id == actor.organisation_id
    )
    row = get_database(request).read(lambda s: s.execute(query).first())
    if row is None or not (row.brand_colour or row.logo_media_type):
        return None
    return {"colour": row.brand_colour, "logo": f"/api/v1/organisations/{row.id}/logo" if row.logo_media_type else ""}


def back(url: str, done: str | None = None, anchor: str = "") -> RedirectResponse:
    """Back to a page after a change: the confirmation in the query, then the place on the page to return to."""
    query = f"?done={quote(done)}" if done else ""
    fragment = f"#{anchor.lstrip('#')}" if anchor else ""
    return RedirectResponse(f"{url}{query}{fragment}", status_code=303)


def problem_text(
    exc: Exception, loc: Localizer, field_names: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """A message for the top of the form and messages per field, in the page's language. ``field_names`` maps the
    model's field names to the form's (their labels have the form's names)."""
    names = field_names or {}
    fields: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            loc_path = [part for part in error["loc"] if isinstance(part, str)]
            name = names.get(loc_path[-1], loc_path[-1]) if loc_path else "form"
            fields.setdefault(name, _validation_message(error, loc))
        return "", fields
    if isinstance(exc, Invalid):
        for detail in exc.errors:
            path = [part for part in (detail.get("loc") or [detail.get("field", "form")]) if isinstance(part, str)]
            name = names.get(path[-1], path[-1]) if path else "form"
            text = loc.message(detail["template"], detail.get("params")) if "template" in detail else detail["msg"]
            fields.setdefault(name, text)
    return loc.error(exc), fields


def _validation_message(error: Any, loc: Localizer) -> str:
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, InvalidValue):
        return loc.error(cause)
    key = VALIDATION_LABELS.get(error["type"], "err_invalid")
    values = {k: v for k, v in context.items() if isinstance(v, int | float | str)}
    return loc.label(key, **values)


def form_texts(values: Mapping[str, str], name: str) -> dict[str, str]:
    """A text written per language in a form (fields ``tasks_lv``, ``tasks_en`` …) as a language map."""
    prefix = f"{name}_"
    return {k.removeprefix(prefix): v for k, v in values.items() if k.startswith(prefix) and len(k) == len(prefix) + 2}


def same_origin(request: Request) -> bool:
    """Forms are only accepted from our own pages (cookies are SameSite=Lax as well)."""
    return same_site(request)


def require_same_origin(request: Request) -> None:
    if not same_origin(request):
        raise Forbidden("this form must be sent from digcomp's own page")


def secure_cookies(request: Request) -> bool:
    """Session cookies are marked Secure whenever the page came over HTTPS (behind a trusted proxy too)."""
    return request.url.scheme == "https"

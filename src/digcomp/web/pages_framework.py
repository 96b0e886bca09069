"""The framework browser: areas → competences → the eight levels with their descriptors, examples of use, and
DigComp 3.0's knowledge, skills and attitudes for the same competence — for a learner assessing themself and a mentor
rating, in the page's language where the framework has it. Public, like the framework itself."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from digcomp.api.deps import get_catalog
from digcomp.errors import NotFound
from digcomp.framework import Framework, UnknownFramework
from digcomp.framework.views import competence_summaries, describe_competence
from digcomp.web.common import language, render

router = APIRouter(include_in_schema=False)
DEFAULT = "digcomp-2.2"


def _framework(request: Request, name: str) -> Framework:
    try:
        return get_catalog(request).get(name)
    except UnknownFramework:
        raise NotFound("framework", name) from None


@router.get("/framework", response_class=HTMLResponse)
def framework_page(request: Request, framework: str = DEFAULT) -> Response:
    lang = language(request)
    chosen = _framework(request, framework)
    competences = competence_summaries(chosen, lang)
    areas = [
        {
            "id": area.id,
            "title": area.title.get(lang) or area.title.get("en", ""),
            "title_lang": lang if area.title.get(lang) else "en",
            "competences": [c for c in competences if c.area_id == area.id],
        }
        for area in chosen.areas
    ]
    return render(request, "framework.html", fw=chosen, areas=areas, names_in=names_language(chosen, lang))


@router.get("/framework/{competence_id}", response_class=HTMLResponse)
def competence_page(request: Request, competence_id: str, framework: str = DEFAULT) -> Response:
    catalog = get_catalog(request)
    lang = language(request)
    chosen = _framework(request, framework)
    if competence_id not in chosen.competence_by_id:
        raise NotFound("competence", competence_id)
    view = describe_competence(chosen, competence_id, lang)
    related = []
    for counterpart in catalog.counterparts(chosen.id, competence_id):
        other = catalog.get(counterpart.framework)
        if counterpart.competence in other.competence_by_id:
            related.append((other, describe_competence(other, counterpart.competence, lang)))
    return render(
        request,
        "competence.html",
        fw=chosen,
        view=view,
        related=related,
        back=request.query_params.get("back"),
        names_in=names_language(chosen, lang),
    )


def names_language(framework: Framework, language: str) -> str:
    """The language a framework's titles and level names are shown in: the page's when it has them, else its own
    (DigComp 3.0 is English only) — marked on the page where it differs."""
    return language if language in framework.languages else framework.default_language

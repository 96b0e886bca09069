"""Framework browsing and mapping suggestions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from digcomp.api.deps import ActorDep, CatalogDep
from digcomp.errors import Invalid, NotFound, problem
from digcomp.framework import Catalog, Framework, UnknownCompetence, UnknownFramework
from digcomp.framework.views import (
    CompetenceSummary,
    CompetenceView,
    FrameworkSummary,
    competence_summaries,
    describe_competence,
    summarize,
)
from digcomp.mapping import Suggestion, suggester
from digcomp.mobility.schemas import Omitted
from digcomp.mobility.service import refuse_nulls
from digcomp.plans.schemas import OutcomeTexts

router = APIRouter(tags=["frameworks"])
Lang = Annotated[Literal["en", "lv"], Query(description="Language of titles and descriptors")]


def _framework(catalog: Catalog, framework_id: str) -> Framework:
    try:
        return catalog.get(framework_id)
    except UnknownFramework as exc:
        raise NotFound("framework", framework_id) from exc


@router.get("/frameworks", response_model=list[FrameworkSummary])
def list_frameworks(catalog: CatalogDep, lang: Lang = "en") -> list[FrameworkSummary]:
    return [summarize(fw, lang) for fw in catalog.frameworks.values()]


@router.get("/frameworks/{framework_id}", response_model=FrameworkSummary)
def get_framework(framework_id: str, catalog: CatalogDep, lang: Lang = "en") -> FrameworkSummary:
    return summarize(_framework(catalog, framework_id), lang)


@router.get("/frameworks/{framework_id}/competences", response_model=list[CompetenceSummary])
def list_competences(framework_id: str, catalog: CatalogDep, lang: Lang = "en") -> list[CompetenceSummary]:
    return competence_summaries(_framework(catalog, framework_id), lang)


@router.get("/frameworks/{framework_id}/competences/{competence_id}", response_model=CompetenceView)
def get_competence(
    framework_id: str,
    competence_id: str,
    catalog: CatalogDep,
    lang: Lang = "en",
    level: Annotated[int | None, Query(ge=1, le=8)] = None,
) -> CompetenceView:
    fw = _framework(catalog, framework_id)
    try:
        catalog.competence(fw.id, competence_id)
    except UnknownCompetence as exc:
        raise NotFound("competence", competence_id) from exc
    return describe_competence(fw, competence_id, lang, level)


class SuggestionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"anyOf": [{"required": ["text"]}, {"required": ["texts"]}]}
    )

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)] | Omitted = Field(
        default=None,
        description="One statement; or give `texts` instead",
        examples=["Izglītojamais patstāvīgi izveido uzņēmuma produktu prezentāciju"],
    )
    texts: OutcomeTexts | Omitted = Field(
        default=None,
        description="One outcome in several languages (language code -> text): one answer for all of them, the same "
        "competences and level whichever language is read",
    )
    language: str = Field(default="auto", description="auto, en, lv or another EU language code")
    top: int = Field(default=3, ge=1, le=21)
    framework: str = "digcomp-2.2"
    explain_in: Literal["en", "lv"] = Field(default="en", description="Language of the reasons")
    eqf_level: int | None = Field(
        default=None, ge=1, le=8, description="EQF level of the learner's qualification; sets the usual level band"
    )


@router.post("/suggestions", response_model=list[Suggestion], tags=["mapping"])
def suggest(request: SuggestionRequest, catalog: CatalogDep, actor: ActorDep) -> list[Suggestion]:
    fw = _framework(catalog, request.framework)
    refuse_nulls({name: getattr(request, name) for name in request.model_fields_set}, {"eqf_level"})
    if request.text is None and request.texts is None:
        raise Invalid("a value is required", [problem(["body", "text"], "give text, or texts in several languages")])
    try:
        if request.texts is not None:
            versions = dict(request.texts)
            if request.text is not None:  # both given: the single text is one more version
                versions.setdefault(suggester(fw.id).language_of(request.text, request.language), request.text)
            return suggester(fw.id).suggest_versions(
                versions, request.top, explain_in=request.explain_in, eqf_level=request.eqf_level
            )
        return suggester(fw.id).suggest(
            request.text or "",
            request.language,
            request.top,
            explain_in=request.explain_in,
            eqf_level=request.eqf_level,
        )
    except ValueError as exc:
        raise Invalid(str(exc), [{"loc": ["body", "language"], "msg": str(exc)}]) from exc

"""Read-only views of a framework in one language: what the CLI prints and the API returns."""

from __future__ import annotations

from pydantic import BaseModel, Field

from digcomp.framework.models import Example, Framework, LocalizedText, UseCase, pick


class LevelView(BaseModel):
    number: int
    name: str
    group: str
    preamble: str | None = None
    description: str | None = None
    statements: list[str]
    text_language: str = Field(description="The language the preamble and statements are in (official texts only)")


class ExampleView(BaseModel):
    id: str
    type: str
    levels: list[int]
    tags: list[str]
    text: str
    text_language: str


class UseCaseView(BaseModel):
    level: int
    scenario: str
    scenario_title: str
    text: str
    text_language: str


class CompetenceView(BaseModel):
    framework: str
    framework_version: str
    id: str
    language: str
    title: str
    title_en: str
    area_id: str
    area_title: str
    descriptor: str
    descriptor_language: str
    levels: list[LevelView]
    examples: list[ExampleView]
    use_cases: list[UseCaseView]
    examples_pending: bool


class CompetenceSummary(BaseModel):
    id: str
    area_id: str
    title: str
    descriptor: str


class FrameworkSummary(BaseModel):
    id: str
    name: str
    version: str
    title: str
    languages: list[str]
    counts: dict[str, int]
    licence: str
    attribution: list[str]


def language_of(fw: Framework, texts: list[LocalizedText], language: str) -> str:
    """The language official texts are shown in: the reader's if every one has it, else the framework's own."""
    return language if all(language in text for text in texts) else fw.default_language


def level_view(fw: Framework, competence_id: str, number: int, language: str) -> LevelView:
    level = fw.level_by_number[number]
    statements = fw.statements_at(competence_id, number)
    texts = [s.text for s in statements] + ([level.statement_preamble] if level.statement_preamble else [])
    spoken = language_of(fw, texts, language)
    return LevelView(
        number=number,
        name=pick(level.name, language),
        group=level.group,
        preamble=pick(level.statement_preamble, spoken) or None,
        description=pick(level.description, language) or None,
        statements=[pick(s.text, spoken) for s in statements],
        text_language=spoken,
    )


def _example_view(fw: Framework, example: Example, language: str) -> ExampleView:
    spoken = language_of(fw, [example.text], language)
    return ExampleView(
        id=example.id,
        type=example.type.value,
        levels=fw.levels_of(example),
        tags=example.tags,
        text=pick(example.text, spoken),
        text_language=spoken,
    )


def _use_case_view(fw: Framework, use_case: UseCase, language: str) -> UseCaseView:
    spoken = language_of(fw, [use_case.scenario_title, use_case.text], language)
    return UseCaseView(
        level=use_case.level,
        scenario=use_case.scenario,
        scenario_title=pick(use_case.scenario_title, spoken),
        text=pick(use_case.text, spoken),
        text_language=spoken,
    )


def describe_competence(fw: Framework, competence_id: str, language: str, level: int | None = None) -> CompetenceView:
    """A competence with its area, descriptor, level descriptors (all, or one level) and examples."""
    competence = fw.competence_by_id[competence_id]
    area = fw.area_by_id[competence.area]
    numbers = [level] if level is not None else sorted(fw.level_by_number)
    wanted = set(numbers)
    examples = [
        _example_view(fw, e, language) for e in fw.examples_of(competence_id) if wanted & set(fw.levels_of(e) or wanted)
    ]
    return CompetenceView(
        framework=fw.id,
        framework_version=fw.version,
        id=competence.id,
        language=language,
        title=pick(competence.title, language),
        title_en=pick(competence.title, "en"),
        area_id=area.id,
        area_title=pick(area.title, language),
        descriptor=pick(competence.descriptor, language),
        descriptor_language=language_of(fw, [competence.descriptor], language),
        levels=[level_view(fw, competence_id, n, language) for n in numbers],
        examples=examples,
        use_cases=[_use_case_view(fw, u, language) for u in fw.use_cases_of(competence_id) if u.level in wanted],
        examples_pending=not fw.examples,
    )


def summarize(fw: Framework, language: str = "en") -> FrameworkSummary:
    return FrameworkSummary(
        id=fw.id,
        name=fw.name,
        version=fw.version,
        title=pick(fw.title, language),
        languages=fw.languages,
        counts=fw.counts(),
        licence=f"{fw.source.copyright}. {fw.source.licence}",
        attribution=fw.source.attribution,
    )


def competence_summaries(fw: Framework, language: str) -> list[CompetenceSummary]:
    return [
        CompetenceSummary(
            id=c.id, area_id=c.area, title=pick(c.title, language), descriptor=pick(c.descriptor, language)
        )
        for c in fw.competences
    ]

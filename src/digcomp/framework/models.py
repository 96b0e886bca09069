"""The schema of a competence framework: DigComp 2.2, DigComp 3.0, EntreComp or a school's own.

Every text is a ``LocalizedText`` (language code -> text). A framework declares its languages; the
validators below check that the data is complete and consistent, so the rest of the engine can rely on
it (every competence has a descriptor for every level, every reference points somewhere, and so on).
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
LocalizedText = dict[LanguageCode, Annotated[str, StringConstraints(min_length=1)]]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]


class IntegrityError(ValueError):
    """The data is well-typed but inconsistent; ``path`` says where (e.g. ``level_descriptors[4].competence``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def pick(text: LocalizedText | None, language: str, fallback: str = "en") -> str:
    """The text in ``language``, else in ``fallback``, else in any language the text has."""
    if not text:
        return ""
    return text.get(language) or text.get(fallback) or next(iter(text.values()))


class ExampleType(StrEnum):
    knowledge = "knowledge"
    skill = "skill"
    attitude = "attitude"


class Source(_Model):
    authors: list[str] = []
    year: int | None = None
    publisher: str | None = None
    report_id: str | None = None
    doi: str | None = None
    copyright: str
    licence: str
    licence_url: str | None = None
    licence_note: str | None = None
    attribution: list[str] = Field(min_length=1)
    provenance: dict[str, str] = {}
    changes: list[str] = []
    pending: list[str] = []
    secondary_sources: list[str] = []


class LevelGroup(_Model):
    id: Identifier
    name: LocalizedText
    levels: list[int] = Field(min_length=1)
    description: LocalizedText | None = None
    purpose: LocalizedText | None = None


class ProficiencyLevel(_Model):
    number: int = Field(ge=1)
    group: Identifier
    name: LocalizedText
    description: LocalizedText | None = None
    complexity_of_tasks: LocalizedText | None = None
    autonomy: LocalizedText | None = None
    cognitive_domain: LocalizedText | None = None
    statement_preamble: LocalizedText | None = None
    six_level_code: str | None = None


class Area(_Model):
    id: Identifier
    title: LocalizedText
    descriptor: LocalizedText | None = None


class Competence(_Model):
    id: Identifier
    area: Identifier
    title: LocalizedText
    descriptor: LocalizedText
    title_variants: dict[LanguageCode, list[str]] = {}


class Statement(_Model):
    id: Identifier | None = None
    text: LocalizedText
    tags: list[str] = []


class LevelDescriptor(_Model):
    """What a competence looks like at one level, or at every level of one level group (DigComp 3.0)."""

    competence: Identifier
    level: int | None = None
    group: Identifier | None = None
    statements: list[Statement] = Field(min_length=1)

    @model_validator(mode="after")
    def _level_or_group(self) -> LevelDescriptor:
        if (self.level is None) == (self.group is None):
            raise ValueError("give exactly one of 'level' and 'group'")
        return self


class Example(_Model):
    """A knowledge, skill or attitude example (DigComp 2.2 K/S/A examples, DigComp 3.0 learning outcomes)."""

    id: Identifier
    number: int | None = None
    competence: Identifier
    type: ExampleType
    level: int | None = None
    group: Identifier | None = None
    tags: list[str] = []
    text: LocalizedText


class UseCase(_Model):
    competence: Identifier
    level: int
    scenario: Identifier
    scenario_title: LocalizedText
    text: LocalizedText


class GlossaryTerm(_Model):
    term: LocalizedText
    explanation: LocalizedText


class Framework(_Model):
    id: Identifier
    name: str
    version: str
    title: LocalizedText
    default_language: LanguageCode
    languages: list[LanguageCode] = Field(min_length=1)
    url: str | None = None
    source: Source
    level_groups: list[LevelGroup] = Field(min_length=1)
    levels: list[ProficiencyLevel] = Field(min_length=1)
    areas: list[Area] = Field(min_length=1)
    competences: list[Competence] = Field(min_length=1)
    level_descriptors: list[LevelDescriptor] = []
    examples: list[Example] = []
    use_cases: list[UseCase] = []
    glossary: list[GlossaryTerm] = []

    @model_validator(mode="after")
    def _check_integrity(self) -> Framework:
        _check_framework(self)
        return self

    # Lookups, built once per (frozen) framework.
    @cached_property
    def competence_by_id(self) -> dict[str, Competence]:
        return {c.id: c for c in self.competences}

    @cached_property
    def area_by_id(self) -> dict[str, Area]:
        return {a.id: a for a in self.areas}

    @cached_property
    def level_by_number(self) -> dict[int, ProficiencyLevel]:
        return {lvl.number: lvl for lvl in self.levels}

    @cached_property
    def group_by_id(self) -> dict[str, LevelGroup]:
        return {g.id: g for g in self.level_groups}

    @property
    def max_level(self) -> int:
        return max(self.level_by_number)

    def statements_at(self, competence_id: str, level: int) -> list[Statement]:
        """The level descriptor statements of a competence at one level (via its group where needed)."""
        group = self.level_by_number[level].group
        return [
            s
            for d in self.level_descriptors
            if d.competence == competence_id and (d.level == level or d.group == group)
            for s in d.statements
        ]

    def descriptor_text(self, competence_id: str, level: int) -> dict[str, str]:
        """What a level means for a competence, as one text per language: the level's preamble and its statements.
        A language is missing where the framework has no text in it."""
        texts: dict[str, str] = {}
        preamble = self.level_by_number[level].statement_preamble or {}
        for language in self.languages:
            statements = [s.text[language] for s in self.statements_at(competence_id, level) if language in s.text]
            if statements:
                texts[language] = " ".join([preamble.get(language, ""), *statements]).strip()
        return texts

    def examples_of(self, competence_id: str) -> list[Example]:
        return [e for e in self.examples if e.competence == competence_id]

    def use_cases_of(self, competence_id: str, level: int | None = None) -> list[UseCase]:
        return [u for u in self.use_cases if u.competence == competence_id and level in (None, u.level)]

    def levels_of(self, item: LevelDescriptor | Example) -> list[int]:
        """The levels a descriptor or example speaks of."""
        if item.level is not None:
            return [item.level]
        return list(self.group_by_id[item.group].levels) if item.group else []

    def counts(self) -> dict[str, int]:
        return {
            "areas": len(self.areas),
            "competences": len(self.competences),
            "levels": len(self.levels),
            "level_descriptor_statements": sum(len(d.statements) for d in self.level_descriptors),
            "examples": len(self.examples),
            "use_cases": len(self.use_cases),
            "glossary_terms": len(self.glossary),
        }


def _duplicates(values: list[Any]) -> list[Any]:
    return [v for v, n in Counter(values).items() if n > 1]


def _check_framework(fw: Framework) -> None:
    languages = set(fw.languages)
    if fw.default_language not in languages:
        raise IntegrityError("default_language", f"'{fw.default_language}' is not one of languages {fw.languages}")

    id_lists: list[tuple[str, list[Any]]] = [
        ("areas", [a.id for a in fw.areas]),
        ("competences", [c.id for c in fw.competences]),
        ("levels", [lvl.number for lvl in fw.levels]),
        ("level_groups", [g.id for g in fw.level_groups]),
        ("examples", [e.id for e in fw.examples]),
        (
            "level_descriptors[].statements",
            [s.id for d in fw.level_descriptors for s in d.statements if s.id is not None],
        ),
    ]
    for path, ids in id_lists:
        if dup := _duplicates(ids):
            raise IntegrityError(path, f"duplicate id {dup[0]!r}")

    numbers = sorted(lvl.number for lvl in fw.levels)
    if numbers != list(range(1, len(numbers) + 1)):
        raise IntegrityError("levels", f"levels must be numbered 1..{len(numbers)} without gaps, found {numbers}")
    group_ids = {g.id for g in fw.level_groups}
    for i, lvl in enumerate(fw.levels):
        if lvl.group not in group_ids:
            raise IntegrityError(f"levels[{i}].group", f"unknown level group {lvl.group!r}")
    for i, g in enumerate(fw.level_groups):
        members = sorted(lvl.number for lvl in fw.levels if lvl.group == g.id)
        if sorted(g.levels) != members:
            raise IntegrityError(
                f"level_groups[{i}].levels", f"lists {g.levels} but the levels of {g.id!r} are {members}"
            )

    area_ids = {a.id for a in fw.areas}
    for i, c in enumerate(fw.competences):
        if c.area not in area_ids:
            raise IntegrityError(f"competences[{i}].area", f"unknown area {c.area!r} for competence {c.id!r}")

    competence_ids = {c.id for c in fw.competences}
    covered: set[tuple[str, int]] = set()
    for i, d in enumerate(fw.level_descriptors):
        _check_level_ref(fw, f"level_descriptors[{i}]", d.competence, d.level, d.group, competence_ids, group_ids)
        for level in fw.levels_of(d):
            if (d.competence, level) in covered:
                raise IntegrityError(
                    f"level_descriptors[{i}]", f"competence {d.competence!r} level {level} is described twice"
                )
            covered.add((d.competence, level))
    if fw.level_descriptors:
        for c in fw.competences:
            missing = [n for n in numbers if (c.id, n) not in covered]
            if missing:
                raise IntegrityError(
                    "level_descriptors",
                    f"competence {c.id!r} has no descriptor for level(s) {', '.join(map(str, missing))}",
                )
    for i, e in enumerate(fw.examples):
        _check_level_ref(fw, f"examples[{i}]", e.competence, e.level, e.group, competence_ids, group_ids)
    for i, u in enumerate(fw.use_cases):
        _check_level_ref(fw, f"use_cases[{i}]", u.competence, u.level, None, competence_ids, group_ids)

    _check_languages(fw, languages)


def _check_level_ref(
    fw: Framework,
    path: str,
    competence: str,
    level: int | None,
    group: str | None,
    competence_ids: set[str],
    group_ids: set[str],
) -> None:
    if competence not in competence_ids:
        raise IntegrityError(f"{path}.competence", f"points to unknown competence {competence!r}")
    if level is not None and level not in fw.level_by_number:
        raise IntegrityError(f"{path}.level", f"unknown level {level}")
    if group is not None and group not in group_ids:
        raise IntegrityError(f"{path}.group", f"unknown level group {group!r}")


def _check_languages(fw: Framework, languages: set[str]) -> None:
    """Every text has the default language and no undeclared one; titles exist in every declared language."""

    def check_text(text: LocalizedText, path: str, complete: bool) -> None:
        if undeclared := set(text) - languages:
            raise IntegrityError(
                path, f"language {sorted(undeclared)[0]!r} is not declared in languages {fw.languages}"
            )
        if fw.default_language not in text:
            raise IntegrityError(path, f"missing text in the default language {fw.default_language!r}")
        if complete and (missing := languages - set(text)):
            raise IntegrityError(path, f"title missing in declared language(s) {', '.join(sorted(missing))}")

    for i, area in enumerate(fw.areas):
        check_text(area.title, f"areas[{i}].title", complete=True)
    for i, competence in enumerate(fw.competences):
        check_text(competence.title, f"competences[{i}].title", complete=True)
    for i, group in enumerate(fw.level_groups):
        check_text(group.name, f"level_groups[{i}].name", complete=True)

    def visit(value: Any, path: str) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                sub = getattr(value, name)
                sub_path = f"{path}.{name}" if path else name
                if name in _NOT_LOCALIZED:
                    continue
                if isinstance(sub, dict):
                    check_text(sub, sub_path, complete=False)
                else:
                    visit(sub, sub_path)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                visit(item, f"{path}[{i}]")

    visit(fw, "")


# Mappings in the schema that are not language -> text.
_NOT_LOCALIZED = frozenset({"provenance", "title_variants"})

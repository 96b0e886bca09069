"""Suggest DigComp competences and a target level for a free-text learning outcome, and say why."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from digcomp.framework import DEFAULT_FRAMEWORK, Catalog, catalog, pick
from digcomp.mapping.analyzer import analyze
from digcomp.mapping.index import CompetenceIndex, collect_documents
from digcomp.mapping.levels import LevelEstimate, estimate_level
from digcomp.mapping.lexicon import Lexicon, load_lexicon
from digcomp.mapping.text import SUPPORTED_LANGUAGES, detect_language

DEFAULT_LEVEL = 3
MAX_TOP = 21
REASONS_FILE = Path(__file__).with_name("reasons.yaml")


@lru_cache(maxsize=1)
def _reasons() -> dict[str, dict[str, str]]:
    return yaml.safe_load(REASONS_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _wording(language: str) -> dict[str, str]:
    """The reason templates of a language, with the level-cue meanings under ``cue:<meaning>``."""
    reasons = _reasons()
    words = dict(reasons[language])
    words.update({f"cue:{meaning}": text for meaning, text in reasons[f"cues_{language}"].items()})
    return words


class Suggestion(BaseModel):
    competence: str = Field(examples=["3.1"])
    framework: str = Field(examples=["digcomp-2.2"])
    framework_version: str
    title: str
    score: float = Field(description="Similarity of the statement to the competence, 0..1; comparable within a list.")
    level: int = Field(description="Suggested target level")
    level_name: str
    why: list[str] = Field(description="What matched and what set the level, in words a coordinator can check.")


class Suggester:
    """Suggestions for one target framework. Build once (about a second); each suggestion takes milliseconds."""

    def __init__(self, cat: Catalog, framework_id: str = DEFAULT_FRAMEWORK, lexicon: Lexicon | None = None) -> None:
        self.framework = cat.get(framework_id)
        self.lexicon = lexicon or load_lexicon()
        self.index = CompetenceIndex(self.framework.id, collect_documents(cat, self.framework), self.lexicon)

    def language_of(self, text: str, language: str = "auto") -> str:
        if language == "auto":
            return detect_language(text)
        if language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language '{language}' (choose from auto, {', '.join(SUPPORTED_LANGUAGES)})")
        return language

    def suggest(
        self, text: str, language: str = "auto", top: int = 3, *, explain_in: str = "en", exclude_key: str | None = None
    ) -> list[Suggestion]:
        """The ``top`` competences for a statement, best first; titles in the statement's language (Latvian or
        English) and reasons in ``explain_in`` (en or lv)."""
        if not text.strip():
            raise ValueError("the statement is empty")
        if not 1 <= top <= MAX_TOP:
            raise ValueError(f"top must be between 1 and {MAX_TOP}")
        detected = language == "auto"
        language = self.language_of(text, language)
        analysis = analyze(text, language, self.lexicon, self.index.vocabulary)
        query = self.index.query_vector(analysis)
        ranked = self.index.score(query, exclude_key=exclude_key)[:top]
        estimate = estimate_level(text)
        ui_language = "lv" if language == "lv" else "en"
        words = _wording("lv" if explain_in == "lv" else "en")
        suggestions = []
        for result in ranked:
            competence = self.framework.competence_by_id[result.competence]
            level, level_reason = self._level(estimate, result.best_documents, words)
            why = [words["language"].format(language=language) + (words["detected"] if detected else "")]
            why += self._term_reasons(result.contributions, analysis.sources, words)
            if result.best_documents:
                best = self.index.documents[result.best_documents[0]]
                why.append(words["closest"].format(ref=f"{best.framework} {best.ref}", text=_clip(best.text)))
            why.append(level_reason)
            suggestions.append(
                Suggestion(
                    competence=competence.id,
                    framework=self.framework.id,
                    framework_version=self.framework.version,
                    title=pick(competence.title, ui_language),
                    score=round(result.score, 4),
                    level=level,
                    level_name=pick(self.framework.level_by_number[level].name, ui_language),
                    why=why,
                )
            )
        return suggestions

    def _term_reasons(
        self, contributions: dict[str, float], sources: dict[str, str], words: dict[str, str]
    ) -> list[str]:
        strongest = sorted(contributions.items(), key=lambda kv: -kv[1])[:5]
        if not strongest:
            return [words["no_match"]]
        parts = []
        for term, _ in strongest:
            source = sources.get(term, term)
            parts.append(term if source.casefold() == term else f"{source} → {term}")
        return [words["matched"].format(terms=", ".join(parts))]

    def _level(self, estimate: LevelEstimate, best_documents: list[int], words: dict[str, str]) -> tuple[int, str]:
        top = self.framework.max_level
        if estimate.level is not None:
            level = min(estimate.level, top)
            cues = "; ".join(
                f"“{matched}” ({words.get(f'cue:{meaning}', meaning)}) → {lvl}"
                for lvl, matched, meaning in estimate.cues
            )
            return level, words["level_cues"].format(level=level, cues=cues)
        levels = Counter(lvl for i in best_documents for lvl in self.index.documents[i].levels)
        if levels:
            level = min(round(sum(k * v for k, v in levels.items()) / sum(levels.values())), top)
            return level, words["level_from_texts"].format(level=level)
        level = min(DEFAULT_LEVEL, top)
        return level, words["level_default"].format(level=level)


def _clip(text: str, length: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


@lru_cache(maxsize=4)
def suggester(framework_id: str = DEFAULT_FRAMEWORK) -> Suggester:
    """The process-wide suggester for a framework (built on first use)."""
    return Suggester(catalog(), framework_id)

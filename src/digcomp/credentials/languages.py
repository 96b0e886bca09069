"""The languages of a statement or a learning agreement: one, or two written ``lv+es`` — the school's language first,
the host's second. Latvian and English are the school's own (a text not written in them is left out); any other
language (a host's) is offered only where the plan's outcomes are written in it, so a Spanish employer never
reads a Spanish statement whose outcomes are missing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from digcomp.errors import Invalid, LanguageName, Phrase
from digcomp.i18n import DOCUMENT_LANGUAGES, UI_LANGUAGES

Texts = Mapping[str, str]
OutcomeTexts = Sequence[tuple[Texts, Texts]]  # (text, criteria) per outcome


def parse(value: str) -> list[str]:
    """``lv``, ``lv+en``, ``lv+es`` … as a list of language codes; a clear refusal otherwise."""
    codes = [part.strip().lower() for part in str(value).split("+")]
    if not 1 <= len(codes) <= 2 or len(set(codes)) != len(codes) or not set(codes) <= set(DOCUMENT_LANGUAGES):
        raise Invalid(
            "languages must be one language or two joined by + (the school's first, e.g. lv+en or lv+es), "
            "from: {choices}",
            choices=", ".join(DOCUMENT_LANGUAGES),
        )
    return codes


def check_written(outcomes: OutcomeTexts, languages: Sequence[str], *, criteria: bool = True) -> None:
    """Refuses a host's language the plan's outcomes are not written in (their text, and their criteria where the
    document prints them)."""
    for language in languages:
        if language in UI_LANGUAGES:
            continue
        missing = []
        for number, (text, criteria_text) in enumerate(outcomes, start=1):
            if not text.get(language):
                missing.append(Phrase("outcome {number}: its text", number=number))
            if criteria and not criteria_text.get(language):
                missing.append(Phrase("outcome {number}: its assessment criteria", number=number))
        if missing:
            raise Invalid(
                "the plan is not written in {language} ({missing}): write the outcomes in {language} first, "
                "or choose other languages",
                language=LanguageName(language),
                missing=missing,
            )


def written_in(outcomes: OutcomeTexts, *, criteria: bool = True) -> list[str]:
    """The document languages every outcome of the plan is written in (text, and criteria if asked)."""
    return [
        language
        for language in DOCUMENT_LANGUAGES
        if outcomes
        and all(
            text.get(language) and (not criteria or criteria_text.get(language)) for text, criteria_text in outcomes
        )
    ]


def school_first(school_language: str) -> str:
    return school_language if school_language in DOCUMENT_LANGUAGES else "en"


def choices(school_language: str, outcomes: OutcomeTexts, *, criteria: bool = True) -> list[list[str]]:
    """What a school may issue in: its language with each other one the plan allows, then each alone."""
    first = school_first(school_language)
    written = written_in(outcomes, criteria=criteria)
    others = [lang for lang in DOCUMENT_LANGUAGES if lang != first and (lang in UI_LANGUAGES or lang in written)]
    return [[first, other] for other in others] + [[first]] + [[other] for other in others]


def default(
    school_language: str, host_reads: Sequence[str], outcomes: OutcomeTexts, *, criteria: bool = True
) -> list[str]:
    """The school's language and the first language the host reads that the plan is written in (else English)."""
    first = school_first(school_language)
    written = written_in(outcomes, criteria=criteria)
    second = next((lang for lang in host_reads if lang in written and lang != first), "en")
    return list(dict.fromkeys([first, second]))

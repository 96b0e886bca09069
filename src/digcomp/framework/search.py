"""Word search over the texts of frameworks: titles, descriptors, level descriptors, examples, use cases."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from digcomp.framework.models import Framework, LocalizedText, pick

_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without diacritics, so 'meklesana' finds 'meklēšana'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Hit:
    framework: str
    competence: str
    kind: str  # competence | level_descriptor | example | use_case
    text: str
    level: int | None = None
    ref: str | None = None
    score: float = 0.0


def _entries(fw: Framework, language: str) -> Iterator[tuple[str, str, str, int | None, str | None]]:
    def has(text: LocalizedText | None) -> bool:
        return bool(text) and language in text  # type: ignore[operator]

    for c in fw.competences:
        if has(c.title) or has(c.descriptor):
            body = f"{pick(c.title, language)}. {pick(c.descriptor, language) if has(c.descriptor) else ''}"
            yield c.id, "competence", body.strip(), None, None
    for d in fw.level_descriptors:
        for s in d.statements:
            if has(s.text):
                yield d.competence, "level_descriptor", s.text[language], d.level, s.id or d.group
    for e in fw.examples:
        if has(e.text):
            yield e.competence, "example", e.text[language], e.level, e.id
    for u in fw.use_cases:
        if has(u.text):
            yield u.competence, "use_case", u.text[language], u.level, u.scenario


def search(frameworks: list[Framework], query: str, language: str = "en", limit: int = 20) -> list[Hit]:
    """Entries containing every word of the query (case and diacritics ignored), best first."""
    words = [fold(w) for w in _WORD.findall(query)]
    if not words:
        return []
    hits = []
    for fw in frameworks:
        for competence, kind, text, level, ref in _entries(fw, language):
            folded = fold(text)
            tokens = _WORD.findall(folded)
            if all(any(t.startswith(w) for t in tokens) for w in words):
                exact = sum(1 for w in words if w in tokens)
                score = (exact + len(words)) / (1 + len(tokens) / 40) + (2 if kind == "competence" else 0)
                hits.append(Hit(fw.id, competence, kind, text, level, ref, round(score, 3)))
    hits.sort(key=lambda h: -h.score)
    return hits[:limit]

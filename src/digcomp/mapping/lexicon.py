"""The term lexicon (``lexicon.yaml``): translations of word stems into English, and practice-word expansions."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from digcomp.mapping.text import fold, lemma, tokens
from digcomp.resources import read_yaml

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")
_MIN_STEM = 2


@dataclass
class _LanguageTable:
    words: dict[str, list[str]] = field(default_factory=dict)
    stems: dict[str, list[tuple[str, list[str]]]] = field(default_factory=dict)  # first letters -> longest first

    def add(self, key: str, targets: list[str]) -> None:
        folded = fold(key)
        if folded.endswith("*"):
            stem = folded[:-1]
            self.stems.setdefault(stem[:_MIN_STEM], []).append((stem, targets))
        else:
            self.words[folded] = targets

    def finish(self) -> None:
        for bucket in self.stems.values():
            bucket.sort(key=lambda entry: -len(entry[0]))

    def lookup(self, folded_word: str) -> list[str] | None:
        if folded_word in self.words:
            return self.words[folded_word]
        for stem, targets in self.stems.get(folded_word[:_MIN_STEM], ()):
            if folded_word.startswith(stem):
                return targets
        return None


@dataclass(frozen=True)
class Expansion:
    terms: list[str]
    strong: bool  # a decisive word (phishing, GDPR, macro): its expansion weighs as much as the word itself


@dataclass(frozen=True)
class Lexicon:
    expansions: dict[str, Expansion]  # keyed by English lemmas, joined by single spaces
    tables: dict[str, _LanguageTable]

    @property
    def languages(self) -> list[str]:
        return sorted(self.tables)

    def translate(self, word: str, language: str) -> list[str] | None:
        table = self.tables.get(language)
        return table.lookup(fold(word)) if table else None

    def expand(self, phrase: str) -> Expansion | None:
        return self.expansions.get(phrase)

    @property
    def longest_phrase(self) -> int:
        return max((key.count(" ") + 1 for key in self.expansions), default=1)


@lru_cache(maxsize=2)
def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    data = read_yaml(path)
    tables: dict[str, _LanguageTable] = {}
    for language, entries in (data.get("translations") or {}).items():
        table = _LanguageTable()
        for key, targets in entries.items():
            table.add(str(key), [str(t) for t in targets])
        table.finish()
        tables[language] = table
    expansions = {}
    for key, targets in (data.get("expansions") or {}).items():
        phrase = str(key).casefold()
        strong = phrase.endswith("!")
        lemmas = " ".join(lemma(word, "en") for word in tokens(phrase.rstrip("!")))
        expansions[lemmas] = Expansion([str(t) for t in targets], strong)
    return Lexicon(expansions=expansions, tables=tables)

"""Turn a statement in any supported language into weighted English framework terms, remembering why."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from digcomp.mapping.lexicon import Expansion, Lexicon
from digcomp.mapping.text import ENGLISH_STOPWORDS, fold, lemma, tokens

EXPANSION_WEIGHT = 0.5
STRONG_EXPANSION_WEIGHT = 1.0
NATIVE_WEIGHT = 0.7
BIGRAM_WEIGHT = 0.5


@dataclass
class Analysis:
    language: str
    terms: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # term -> the word of the statement it came from

    def add(self, term: str, weight: float, source: str) -> None:
        self.terms[term] = self.terms.get(term, 0.0) + weight
        self.sources.setdefault(term, source)


def _english_lemmas(words: list[str]) -> list[str]:
    return [lemma(w, "en") for w in words]


def analyze(
    text: str,
    language: str,
    lexicon: Lexicon,
    vocabulary: frozenset[str] = frozenset(),
    native_languages: frozenset[str] = frozenset({"lv"}),
) -> Analysis:
    """Weighted English terms (lemmas, bigrams, expansions).

    Words of ``native_languages`` (those the frameworks have texts in) that the lexicon does not translate are
    kept as ``lv:lemma`` terms, so they can still meet the framework's own Latvian titles.
    """
    result = Analysis(language)
    words = tokens(text)
    # positions -> alternative English lemmas at that position, for bigrams and phrase expansions
    positions: list[tuple[str, list[str]]] = []
    for word in words:
        if language == "en":
            english = _english_lemmas([word])
        else:
            translated = lexicon.translate(word, language)
            if translated is not None:
                english = [part for t in translated for part in _english_lemmas(t.split())]
            elif fold(word) in vocabulary:  # an international word already in English form: email, excel, cnc
                english = [fold(word)]
            else:
                english = []
                if language not in native_languages:
                    continue
                native = lemma(word, language)
                if native not in ENGLISH_STOPWORDS and len(native) > 2:
                    result.add(f"{language}:{fold(native)}", NATIVE_WEIGHT, word)
        english = [e for e in english if e not in ENGLISH_STOPWORDS and len(e) > 1]
        for term in english:
            result.add(term, 1.0, word)
        if english:
            positions.append((word, english))

    _add_bigrams(result, positions)
    _add_expansions(result, positions, lexicon)
    return result


def _add_bigrams(result: Analysis, positions: list[tuple[str, list[str]]]) -> None:
    for (word_a, first), (word_b, second) in pairwise(positions):
        for a in first:
            for b in second:
                if a != b:
                    result.add(f"{a} {b}", BIGRAM_WEIGHT, f"{word_a} {word_b}")


def _add_expansions(result: Analysis, positions: list[tuple[str, list[str]]], lexicon: Lexicon) -> None:
    """Practice words and phrases -> framework words. A matched phrase ("video call") silences the expansions
    of its own words ("video" alone would mean content creation)."""
    consumed: set[int] = set()
    for length in range(min(lexicon.longest_phrase, 3), 1, -1):
        for start in range(len(positions) - length + 1):
            window = positions[start : start + length]
            for phrase in _phrases([alternatives for _, alternatives in window]):
                expansion = lexicon.expand(phrase)
                if expansion:
                    source = " ".join(word for word, _ in window)
                    _add_expansion(result, expansion, source)
                    consumed.update(range(start, start + length))
    for i, (word, alternatives) in enumerate(positions):
        if i in consumed:
            continue
        # A translation may itself be a phrase ("videozvans" -> "video call"): it wins over its parts.
        whole = lexicon.expand(" ".join(alternatives)) if len(alternatives) > 1 else None
        if whole:
            _add_expansion(result, whole, word)
            continue
        for term in alternatives:
            expansion = lexicon.expand(term)
            if expansion:
                _add_expansion(result, expansion, word)


def _phrases(window: list[list[str]]) -> list[str]:
    phrases = [""]
    for alternatives in window:
        phrases = [f"{p} {a}".strip() for p in phrases for a in alternatives]
    return phrases


def _add_expansion(result: Analysis, expansion: Expansion, source: str) -> None:
    weight = STRONG_EXPANSION_WEIGHT if expansion.strong else EXPANSION_WEIGHT
    for target in expansion.terms:
        result.add(" ".join(lemma(part, "en") for part in target.split()), weight, source)


def tfidf(terms: dict[str, float], idf: dict[str, float], default_idf: float) -> dict[str, float]:
    """Sub-linear term weights times idf, L2-normalised."""
    weighted = {t: (1.0 + math.log(w) if w >= 1 else w) * idf.get(t, default_idf) for t, w in terms.items() if w > 0}
    norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
    return {t: v / norm for t, v in weighted.items()}


def document_frequencies(documents: list[dict[str, float]]) -> dict[str, int]:
    df: dict[str, int] = defaultdict(int)
    for doc in documents:
        for term in doc:
            df[term] += 1
    return df

"""An index of every framework text that speaks of a competence, for scoring statements against competences.

Each text (title, descriptor, level descriptor statement, K/S/A example, use case) is a document labelled with
a competence of the *target* framework; texts of other frameworks join through the crosswalks (DigComp 3.0's
learning outcomes are evidence for the DigComp 2.2 competence with the same id). A statement's score for a
competence mixes its similarity to the competence as a whole (the centroid of its documents) with its
similarity to the closest few documents.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from digcomp.framework import Catalog, Framework
from digcomp.framework.models import LocalizedText
from digcomp.mapping.analyzer import Analysis, analyze, document_frequencies, tfidf
from digcomp.mapping.lexicon import Lexicon
from digcomp.mapping.text import text_key

KIND_WEIGHT = {"title": 2.0, "descriptor": 1.5, "level_descriptor": 1.0, "example": 1.0, "use_case": 0.8}
OTHER_FRAMEWORK_WEIGHT = 0.9
CENTROID_SHARE = 0.5
NEIGHBOURS = 3


@dataclass(frozen=True)
class Document:
    competence: str
    framework: str
    kind: str
    ref: str
    levels: tuple[int, ...]
    language: str
    text: str

    @property
    def key(self) -> str:
        """Identical texts share a key (the same sentence is both a 3.0 statement and a learning outcome)."""
        return text_key(self.text)


@dataclass(frozen=True)
class CompetenceScore:
    competence: str
    score: float
    contributions: dict[str, float]  # term -> share of the score
    best_documents: list[int]


def _texts(text: LocalizedText | None) -> Iterator[tuple[str, str]]:
    yield from (text or {}).items()


def framework_documents(fw: Framework, competence_map: dict[str, str]) -> Iterator[Document]:
    """The documents of one framework, with its competence ids translated through ``competence_map``."""
    for c in fw.competences:
        if c.id not in competence_map:
            continue
        target = competence_map[c.id]
        for language, title in _texts(c.title):
            yield Document(target, fw.id, "title", c.id, (), language, title)
        for language, variants in c.title_variants.items():
            for variant in variants:
                yield Document(target, fw.id, "title", c.id, (), language, variant)
        for language, descriptor in _texts(c.descriptor):
            yield Document(target, fw.id, "descriptor", c.id, (), language, descriptor)
    for d in fw.level_descriptors:
        if d.competence in competence_map:
            levels = tuple(fw.levels_of(d))
            for s in d.statements:
                ref = s.id or f"{d.competence} L{d.level}"
                for language, text in _texts(s.text):
                    yield Document(competence_map[d.competence], fw.id, "level_descriptor", ref, levels, language, text)
    for e in fw.examples:
        if e.competence in competence_map:
            for language, text in _texts(e.text):
                yield Document(
                    competence_map[e.competence], fw.id, "example", e.id, tuple(fw.levels_of(e)), language, text
                )
    for u in fw.use_cases:
        if u.competence in competence_map:
            ref = f"{u.competence} L{u.level} {u.scenario}"
            for language, text in _texts(u.text):
                yield Document(competence_map[u.competence], fw.id, "use_case", ref, (u.level,), language, text)


def collect_documents(catalog: Catalog, target: Framework) -> list[Document]:
    """The target framework's own documents, then those of every framework a crosswalk connects to it."""
    documents = list(framework_documents(target, {c.id: c.id for c in target.competences}))
    for other in catalog.frameworks.values():
        if other.id != target.id:
            mapping = {
                counterpart.competence: competence
                for competence in target.competence_by_id
                for counterpart in catalog.counterparts(target.id, competence)
                if counterpart.framework == other.id
            }
            documents += framework_documents(other, mapping)
    return documents


class CompetenceIndex:
    def __init__(self, framework_id: str, documents: list[Document], lexicon: Lexicon) -> None:
        self.framework_id = framework_id
        self.documents = documents
        self.lexicon = lexicon
        self.vocabulary: frozenset[str] = frozenset()
        # First pass: English words of the documents, so foreign statements can keep international words.
        english = [analyze(d.text, d.language, lexicon).terms for d in documents if d.language == "en"]
        self.vocabulary = frozenset(t for terms in english for t in terms if " " not in t)
        analyses = [analyze(d.text, d.language, lexicon, self.vocabulary).terms for d in documents]
        df = document_frequencies(analyses)
        n = len(documents)
        self.idf = {t: math.log((n + 1) / (f + 1)) + 1.0 for t, f in df.items()}
        self.default_idf = math.log(n + 1) + 1.0
        self.vectors = [tfidf(a, self.idf, self.default_idf) for a in analyses]
        self.weights = [
            KIND_WEIGHT[d.kind] * (1.0 if d.framework == framework_id else OTHER_FRAMEWORK_WEIGHT) for d in documents
        ]
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vector in enumerate(self.vectors):
            for term, weight in vector.items():
                self.postings[term].append((i, weight))
        self.by_competence: dict[str, list[int]] = defaultdict(list)
        for i, d in enumerate(documents):
            self.by_competence[d.competence].append(i)
        # Centroid S_c = sum of weighted document vectors; keep |S_c|^2 and S_c . d for leave-one-out scoring.
        self.centroid_norm2: dict[str, float] = {}
        self.self_dot: list[float] = [0.0] * n
        for competence, members in self.by_competence.items():
            centroid: dict[str, float] = defaultdict(float)
            for i in members:
                for term, weight in self.vectors[i].items():
                    centroid[term] += self.weights[i] * weight
            self.centroid_norm2[competence] = sum(v * v for v in centroid.values())
            for i in members:
                self.self_dot[i] = sum(centroid[t] * w for t, w in self.vectors[i].items())
        self.keys = [d.key for d in documents]

    def query_vector(self, analysis: Analysis) -> dict[str, float]:
        return tfidf(analysis.terms, self.idf, self.default_idf)

    def score(self, query: dict[str, float], exclude_key: str | None = None) -> list[CompetenceScore]:
        """Competences by descending score. ``exclude_key`` leaves out every document with that text."""
        dots: dict[int, float] = defaultdict(float)
        term_hits: dict[int, list[tuple[str, float]]] = defaultdict(list)
        for term, q in query.items():
            for i, w in self.postings.get(term, ()):
                dots[i] += q * w
                term_hits[i].append((term, q * w))
        excluded = {i for i, key in enumerate(self.keys) if key == exclude_key} if exclude_key else set()

        results = []
        for competence, members in self.by_competence.items():
            dot_sum = 0.0
            removed_weight = 0.0
            removed_self = 0.0
            neighbours: list[tuple[float, int]] = []
            for i in members:
                if i in excluded:
                    removed_weight += self.weights[i]
                    removed_self = self.self_dot[i]
                    continue
                d = dots.get(i, 0.0)
                if d:
                    dot_sum += self.weights[i] * d
                    neighbours.append((d, i))
            norm2 = self.centroid_norm2[competence]
            if removed_weight:
                norm2 = norm2 - 2 * removed_weight * removed_self + removed_weight**2
            centroid = dot_sum / math.sqrt(norm2) if norm2 > 1e-12 else 0.0
            neighbours.sort(reverse=True)
            top = neighbours[:NEIGHBOURS]
            knn = sum(d for d, _ in top) / NEIGHBOURS
            score = CENTROID_SHARE * centroid + (1 - CENTROID_SHARE) * knn
            contributions: dict[str, float] = defaultdict(float)
            for _, i in top:
                for term, value in term_hits[i]:
                    contributions[term] += value
            results.append(CompetenceScore(competence, score, dict(contributions), [i for _, i in top]))
        results.sort(key=lambda r: -r.score)
        return results

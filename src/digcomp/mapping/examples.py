"""Outcomes labelled by hand: a third view beside the framework's words and its meaning.

The framework speaks in general terms ("interact through a variety of digital technologies"); teachers write the work
("takes orders on the tablet and sends them to the kitchen"). The project's tuning sets — outcomes written the way
teachers write placement plans, each labelled with its DigComp 2.2 competence — bridge the two: a statement close in
meaning to labelled outcomes leans towards their competences (its nearest neighbours among them, weighted by
similarity, on the same sentence embeddings as the semantic view).

The labelled texts, their labels and vectors ship in ``examples.npz``, built by ``scripts/build_examples.py`` from
the tuning sets in ``benchmarks/data`` — never from a set kept for evaluation. A test keeps it in sync.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digcomp.framework import Catalog, Framework
from digcomp.mapping.semantic import Embedder
from digcomp.mapping.text import detect_language, text_key
from digcomp.resources import read_yaml

log = logging.getLogger("digcomp.mapping")

EXAMPLES_FILE = Path(__file__).with_name("examples.npz")
LABELLED_ON = "digcomp-2.2"
NEIGHBOURS = 10
SHARPNESS = 0.02  # softmax temperature over the neighbours' cosine similarities: the closest few decide
ALSO_WEIGHT = 0.5  # a competence the labeller also accepted counts half


@dataclass(frozen=True)
class LabelledOutcome:
    text: str
    language: str
    source: str  # the tuning set it comes from
    competence: str
    also: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return text_key(self.text)


# The tuning sets (benchmarks/data): outcomes studied while the suggester was built. Sets kept for evaluation
# (outcomes-eval-5.yaml and later) are never listed here.
TUNING_SETS = (
    "outcomes.yaml",
    "outcomes-heldout.yaml",
    "outcomes-heldout-2.yaml",
    "outcomes-eval-3.yaml",
    "outcomes-eval-4.yaml",
)


def read_tuning_sets(folder: Path) -> list[LabelledOutcome]:
    """Every text of the tuning sets with its labels; each language version of an outcome is one text."""
    found: list[LabelledOutcome] = []
    for name in TUNING_SETS:
        data = read_yaml(folder / name)
        source = name.removesuffix(".yaml")
        if "outcomes" in data:  # set 4 and later: an outcome in one or more languages
            entries = [(language, text, item) for item in data["outcomes"] for language, text in item["texts"].items()]
        else:  # earlier sets: statements grouped by language
            entries = [
                (
                    item.get("language") or (group if group != "other" else detect_language(item["text"])),
                    item["text"],
                    item,
                )
                for group, items in data.items()
                for item in items
            ]
        found += [
            LabelledOutcome(text, language, source, item["competence"], tuple(item.get("also", ())))
            for language, text, item in entries
        ]
    return found


def save_examples(path: Path, embedder: Embedder, outcomes: list[LabelledOutcome]) -> None:
    vectors = np.stack([embedder.query(o.text) for o in outcomes])
    with path.open("wb") as handle:
        np.savez_compressed(
            handle,
            texts=np.array([o.text for o in outcomes]),
            languages=np.array([o.language for o in outcomes]),
            sources=np.array([o.source for o in outcomes]),
            competences=np.array([o.competence for o in outcomes]),
            also=np.array([" ".join(o.also) for o in outcomes]),
            vectors=vectors.astype(np.float16),
            model_sha256=np.array(embedder.sha256),
        )


def read_examples(path: Path = EXAMPLES_FILE) -> tuple[list[LabelledOutcome], np.ndarray, str]:
    """The labelled outcomes, their vectors and the SHA-256 of the model that made them."""
    with np.load(path) as stored:
        outcomes = [
            LabelledOutcome(str(text), str(language), str(source), str(competence), tuple(str(also).split()))
            for text, language, source, competence, also in zip(
                stored["texts"],
                stored["languages"],
                stored["sources"],
                stored["competences"],
                stored["also"],
                strict=True,
            )
        ]
        return outcomes, stored["vectors"].astype(np.float32), str(stored["model_sha256"])


@dataclass(frozen=True)
class ExampleScores:
    scores: np.ndarray  # per competence, in the framework's order; 0..1, summing to 1 over the neighbours' labels
    neighbours: list[int]  # closest first

    def nearest(self, index: ExampleIndex, competence: str, language: str | None = None) -> int | None:
        """The closest neighbour whose best competence is ``competence`` — written in ``language`` where one is:
        what a reason quotes on a page in that language."""
        labelled = [row for row in self.neighbours if index.best_of(row) == competence]
        same = [row for row in labelled if index.outcomes[row].language == language]
        return next(iter(same or labelled), None)


class ExampleIndex:
    """The labelled outcomes for one target framework: their labels carried over through the crosswalk when the
    target is not the framework they were labelled on."""

    def __init__(
        self, outcomes: list[LabelledOutcome], vectors: np.ndarray, order: list[str], to_target: Mapping[str, str]
    ) -> None:
        self.outcomes = outcomes
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors = vectors / np.where(norms > 0, norms, 1.0)
        self.order = order
        self.to_target = dict(to_target)
        column = {competence: i for i, competence in enumerate(order)}
        self.labels = np.zeros((len(outcomes), len(order)), dtype=np.float32)
        self.best = np.full(len(outcomes), -1)
        for row, outcome in enumerate(outcomes):
            for also in outcome.also:
                if self.to_target.get(also) in column:
                    self.labels[row, column[self.to_target[also]]] = ALSO_WEIGHT
            if self.to_target.get(outcome.competence) in column:
                self.best[row] = column[self.to_target[outcome.competence]]
                self.labels[row, self.best[row]] = 1.0
        self.keys = [o.key for o in outcomes]

    def without(self, source: str) -> ExampleIndex:
        """The index less one tuning set: how the view does on outcomes it has not seen."""
        keep = [i for i, o in enumerate(self.outcomes) if o.source != source]
        return ExampleIndex([self.outcomes[i] for i in keep], self.vectors[keep], self.order, self.to_target)

    def __len__(self) -> int:
        return len(self.outcomes)

    def score(self, query: np.ndarray, exclude_key: str | None = None) -> ExampleScores:
        similarities = np.einsum("ij,j->i", self.vectors, query / (np.linalg.norm(query) or 1.0))
        if exclude_key:
            similarities[[i for i, key in enumerate(self.keys) if key == exclude_key]] = -1.0
        closest = np.argsort(-similarities)[:NEIGHBOURS]
        weights = np.exp((similarities[closest] - similarities[closest].max()) / SHARPNESS)
        scores = (weights[:, None] * self.labels[closest]).sum(axis=0) / weights.sum()
        return ExampleScores(scores, [int(row) for row in closest])

    def best_of(self, row: int) -> str | None:
        """The target framework's competence an outcome was labelled with (None: it has no counterpart there)."""
        return self.order[self.best[row]] if self.best[row] >= 0 else None


def labels_towards(cat: Catalog, target: Framework) -> dict[str, str]:
    """DigComp 2.2 competence -> the target framework's competence (itself, or its crosswalk counterpart)."""
    if target.id == LABELLED_ON:
        return {c: c for c in target.competence_by_id}
    return {
        counterpart.competence: competence
        for competence in target.competence_by_id
        for counterpart in cat.counterparts(target.id, competence)
        if counterpart.framework == LABELLED_ON
    }


def load_examples(
    cat: Catalog, target: Framework, embedder: Embedder, path: Path = EXAMPLES_FILE
) -> ExampleIndex | None:
    """The shipped labelled outcomes for ``target``, or None when they are missing or were embedded by another
    model (their vectors would not be comparable)."""
    if not path.exists():
        log.warning("the labelled outcomes %s are missing: suggestions without them", path)
        return None
    outcomes, vectors, model = read_examples(path)
    if model != embedder.sha256:
        log.warning("the labelled outcomes were embedded by another model: suggestions without them")
        return None
    return ExampleIndex(outcomes, vectors, list(target.competence_by_id), labels_towards(cat, target))

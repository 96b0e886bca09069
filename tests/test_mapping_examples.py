"""The labelled-outcomes view: what ships is the tuning sets (never an evaluation set), it explains itself, a set can
be left out to measure it as unseen, and vectors of another model are refused."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from digcomp.framework import catalog
from digcomp.mapping.examples import EXAMPLES_FILE, labels_towards, load_examples, read_examples, read_tuning_sets
from digcomp.mapping.semantic import BUNDLED_MODEL_SHA256, load_embedder
from digcomp.mapping.suggest import Suggester, suggester

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"


@pytest.fixture(scope="module")
def shipped() -> Suggester:
    if load_embedder() is None:
        pytest.skip("the embedding model is not installed")
    return suggester("digcomp-2.2")


def test_the_shipped_outcomes_are_the_tuning_sets() -> None:
    """After a tuning set changes, `python scripts/build_examples.py` must be run (this fails until it is)."""
    outcomes, vectors, model = read_examples(EXAMPLES_FILE)
    assert outcomes == read_tuning_sets(DATA)
    assert vectors.shape == (len(outcomes), 384)
    assert model == BUNDLED_MODEL_SHA256


def test_no_evaluation_outcome_is_among_them() -> None:
    kept_for_evaluation = [
        text
        for path in DATA.glob("outcomes-eval-*.yaml")
        if path.name not in {"outcomes-eval-3.yaml", "outcomes-eval-4.yaml", "outcomes-eval-4-second-pass.yaml"}
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["outcomes"]
        for text in item["texts"].values()
    ]
    assert len(kept_for_evaluation) >= 250
    labelled = {outcome.key for outcome in read_examples(EXAMPLES_FILE)[0]}
    assert not labelled & {" ".join(text.casefold().split()) for text in kept_for_evaluation}


def test_a_suggestion_names_the_labelled_outcome_it_resembles(shipped: Suggester) -> None:
    english = shipped.suggest("Takes orders on a tablet in the restaurant and sends them to the kitchen", "en")
    assert english[0].competence == "2.1"
    assert any(line.startswith("like a labelled placement outcome: “") for line in english[0].why)
    latvian = shipped.suggest("Pieņem pasūtījumus ar planšeti un nosūta tos uz virtuvi", "lv", explain_in="lv")
    like = next(line for line in latvian[0].why if line.startswith("līdzīgs marķētam prakses rezultātam: “"))
    assert re.search(r"[āēīūšžčņļķģ]", like), like  # a Latvian outcome quoted on a Latvian page, where one is near


def test_a_tuning_set_can_be_left_out(shipped: Suggester) -> None:
    assert shipped.examples is not None
    without = shipped.examples.without("outcomes-eval-4")
    assert {o.source for o in without.outcomes} == {o.source for o in shipped.examples.outcomes} - {"outcomes-eval-4"}
    assert len(without) == len(shipped.examples) - 202
    text = "Ievada viesu rezervācijas viesnīcas rezervāciju sistēmā un pārbauda brīvos numurus"  # an item of set 4
    vector = shipped.semantic.embedder.query(text) if shipped.semantic else None
    assert vector is not None
    nearest = shipped.examples.score(vector).nearest(shipped.examples, "2.1")
    assert nearest is not None
    assert shipped.examples.outcomes[nearest].text == text
    assert text not in {without.outcomes[row].text for row in without.score(vector).neighbours}


def test_outcomes_embedded_by_another_model_are_refused() -> None:
    cat = catalog()
    other_model: Any = SimpleNamespace(sha256="0" * 64)
    assert load_examples(cat, cat.get("digcomp-2.2"), other_model) is None
    assert load_examples(cat, cat.get("digcomp-2.2"), other_model, Path("/nonexistent/examples.npz")) is None


def test_a_plan_on_digcomp_3_gets_the_labels_through_the_crosswalk() -> None:
    cat = catalog()
    towards = labels_towards(cat, cat.get("digcomp-3.0"))
    assert set(towards.values()) <= set(cat.get("digcomp-3.0").competence_by_id)
    assert len(towards) >= 15
    if load_embedder() is None:
        pytest.skip("the embedding model is not installed")
    found = suggester("digcomp-3.0").suggest("Takes orders on a tablet in the restaurant and sends them to the kitchen")
    assert found[0].framework == "digcomp-3.0"
    assert any(line.startswith("like a labelled placement outcome") for line in found[0].why)

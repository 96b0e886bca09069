"""Mapping on outcomes nobody tuned on (benchmarks/data/outcomes-eval-5.yaml, written before the labelled-outcomes
view): the figures may not fall below what the suggester reaches today, nor below the targets of #32. The target
not met is in the README: the Latvian and English versions read alone agree on far fewer than 9 in 10 outcomes —
read together, as a plan does, they get one answer."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from digcomp.framework import catalog
from digcomp.mapping.evaluation import agreement, evaluate
from digcomp.mapping.semantic import load_embedder
from digcomp.mapping.suggest import Suggester

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
SET_5 = DATA / "outcomes-eval-5.yaml"
SET_4 = DATA / "outcomes-eval-4.yaml"
SECOND_PASS = DATA / "outcomes-eval-4-second-pass.yaml"


@pytest.fixture(scope="module")
def figures():  # type: ignore[no-untyped-def]
    embedder = load_embedder()
    if embedder is None:
        pytest.skip("the embedding model is not installed")
    suggester = Suggester(catalog([]), "digcomp-2.2", embedder=embedder)
    return evaluate(suggester, yaml.safe_load(SET_5.read_text(encoding="utf-8"))["outcomes"])


def test_competences_and_levels_on_outcomes_nobody_tuned_on(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.outcomes >= 150
    assert figures.top1 >= 0.75  # target 0.65; 0.586 before the labelled outcomes
    assert figures.top3 >= 0.94  # target 0.92; 0.812 before
    assert figures.in_band >= 0.93  # target 0.90
    assert figures.in_band_with_cues >= 0.88  # target 0.80


def test_high_confidence_is_honest(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.high_right >= 0.90  # target 0.85
    assert figures.high_share >= 0.30
    assert max(figures.first_answers.values()) <= 0.25 * figures.outcomes  # no default answer for everything


def test_each_language_read_alone_agrees_at_least_as_often_as_today(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.pairs >= 70
    assert figures.pairs_alone_agree >= 0.58  # the target of #32 is 0.90: not reached (README)


def test_an_outcome_in_two_languages_gets_one_answer() -> None:
    suggester = Suggester(catalog([]), "digcomp-2.2")
    texts = {
        "lv": "Ievada viesu rezervācijas viesnīcas rezervāciju sistēmā",
        "en": "Enters guest bookings in the hotel booking system",
    }
    together = suggester.suggest_versions(texts, 3)
    reversed_order = suggester.suggest_versions(dict(reversed(list(texts.items()))), 3)
    assert [(s.competence, s.level) for s in together] == [(s.competence, s.level) for s in reversed_order]
    assert together[0].score == reversed_order[0].score


def test_two_labelling_passes_are_compared_beyond_chance() -> None:
    first = [
        {"competence": "2.1", "also": ["1.3"], "band": [2, 3]},
        {"competence": "1.3", "band": [2, 4]},
        {"competence": "2.1", "band": [1, 2]},
        {"competence": "4.2", "band": [2, 4]},
    ]
    second = [
        {"competence": "1.3", "also": ["2.1"], "band": [2, 3]},
        {"competence": "1.3", "band": [3, 5]},
        {"competence": "2.1", "band": [3, 4]},
        {"competence": "4.2", "band": [2, 4]},
    ]
    found = agreement(first, second)
    assert found.same_best == 0.75
    # chance: 2.1 0.5 x 0.25, 1.3 0.25 x 0.5, 4.2 0.25 x 0.25 -> 0.3125; kappa (0.75 - 0.3125) / 0.6875
    assert found.kappa == pytest.approx(0.6364, abs=1e-4)
    assert found.best_accepted_by_other == 1.0
    assert found.bands_overlap == 0.75
    assert found.same_band == 0.5
    assert agreement(first, first).kappa == 1.0


def test_the_second_pass_labels_items_of_set_4() -> None:
    first = {next(iter(o["texts"].values())) for o in yaml.safe_load(SET_4.read_text(encoding="utf-8"))["outcomes"]}
    second = yaml.safe_load(SECOND_PASS.read_text(encoding="utf-8"))["outcomes"]
    assert len(second) >= 100
    assert all(item["text"] in first for item in second)

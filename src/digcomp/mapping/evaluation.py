"""How well the suggester does on a labelled set of outcomes (``benchmarks/data/outcomes-eval-4.yaml`` and its
like): top-1 and top-3, the level inside the right band (overall and where the text has a level cue), how often
"high" is said and how often it is then right, and whether the Latvian and English versions of one outcome, read
alone, get the same first competence and level. The outcome's versions together are what plans use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from digcomp.mapping.suggest import Suggester


@dataclass(frozen=True)
class Figures:
    outcomes: int
    top1: float
    top3: float
    in_band: float
    with_cues: int
    in_band_with_cues: float
    high_share: float  # of all outcomes
    high_right: float  # of those said "high"
    pairs: int
    pairs_alone_agree: float  # each language version read on its own
    first_answers: dict[str, int]


def evaluate(suggester: Suggester, outcomes: Iterable[Mapping[str, Any]]) -> Figures:
    n = top1 = top3 = in_band = cues = cue_band = high = high_right = pairs = agree = 0
    first: dict[str, int] = {}
    for item in outcomes:
        accepted = {item["competence"], *item.get("also", [])}
        texts = dict(item["texts"])
        found = suggester.suggest_versions(texts, 3)
        best = found[0]
        n += 1
        top1 += best.competence in accepted
        top3 += bool(accepted & {s.competence for s in found})
        right_level = item["band"][0] <= best.level <= item["band"][1]
        in_band += right_level
        first[best.competence] = first.get(best.competence, 0) + 1
        if item.get("cue"):
            cues += 1
            cue_band += right_level
        if best.confidence == "high":
            high += 1
            high_right += best.competence in accepted
        if {"lv", "en"} <= set(texts):
            latvian = suggester.suggest_versions({"lv": texts["lv"]}, 1)[0]
            english = suggester.suggest_versions({"en": texts["en"]}, 1)[0]
            pairs += 1
            agree += (latvian.competence, latvian.level) == (english.competence, english.level)
    return Figures(
        outcomes=n,
        top1=top1 / n,
        top3=top3 / n,
        in_band=in_band / n,
        with_cues=cues,
        in_band_with_cues=cue_band / cues if cues else 0.0,
        high_share=high / n,
        high_right=high_right / high if high else 0.0,
        pairs=pairs,
        pairs_alone_agree=agree / pairs if pairs else 0.0,
        first_answers=dict(sorted(first.items(), key=lambda kv: -kv[1])),
    )


@dataclass(frozen=True)
class Agreement:
    """How two labelling passes of one set agree (each item: a best competence, the equally right ones, a band)."""

    items: int
    same_best: float  # the same best competence
    kappa: float  # Cohen's kappa on the best competence (agreement beyond chance)
    best_accepted_by_other: float  # each pass's best is among the other's right answers (both ways)
    bands_overlap: float  # the two bands share a level
    same_band: float


def agreement(first: Iterable[Mapping[str, Any]], second: Iterable[Mapping[str, Any]]) -> Agreement:
    pairs = list(zip(first, second, strict=True))
    n = len(pairs)
    same = sum(a["competence"] == b["competence"] for a, b in pairs)
    both_ways = sum(
        a["competence"] in {b["competence"], *b.get("also", [])}
        and b["competence"] in {a["competence"], *a.get("also", [])}
        for a, b in pairs
    )
    overlap = sum(a["band"][0] <= b["band"][1] and b["band"][0] <= a["band"][1] for a, b in pairs)
    same_band = sum(list(a["band"]) == list(b["band"]) for a, b in pairs)
    chance = sum(
        (sum(a["competence"] == c for a, _ in pairs) / n) * (sum(b["competence"] == c for _, b in pairs) / n)
        for c in {p["competence"] for pair in pairs for p in pair}
    )
    observed = same / n
    return Agreement(
        items=n,
        same_best=observed,
        kappa=(observed - chance) / (1 - chance) if chance < 1 else 1.0,
        best_accepted_by_other=both_ways / n,
        bands_overlap=overlap / n,
        same_band=same_band / n,
    )

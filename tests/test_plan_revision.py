"""A plan revised mid-placement keeps its assessment: agreeing a version in which one outcome's text is corrected
leaves every outcome's identification, evidence, notes, ratings and self-assessments in view; a changed target starts
fresh for that target only, and its history stays."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from digcomp.plans import carry
from digcomp.store.db import Database
from digcomp.store.models import OutgoingMail
from tests.journey import (
    API,
    Mobility,
    agreed_plan,
    before_the_placement,
    confirm_all,
    create_mobility,
    ok,
    web_login,
)


def assess(client: TestClient, m: Mobility) -> dict[str, Any]:
    base = f"{API}/mobilities/{m.id}/assessment"
    for outcome in ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"]:
        ident = outcome["outcome_id"]
        ok(client.put(f"{base}/outcomes/{ident}/identification", headers=m.as_["learner"], json={"worked_on": True}))
        note = {"title": "Observation", "text": f"Worked on outcome {outcome['number']} every day."}
        ok(client.post(f"{base}/outcomes/{ident}/notes", headers=m.as_["mentor"], json=note), 201)
        target = outcome["competences"][0]["target_id"]
        rating = {"level": 4, "justification": "Meets the agreed criteria at level 4"}
        ok(client.put(f"{base}/targets/{target}/rating", headers=m.as_["mentor"], json=rating))
        with before_the_placement(client, m):
            before = f"{base}/targets/{target}/self-assessment/before"
            ok(client.put(before, headers=m.as_["learner"], json={"level": 2}))
    return ok(client.get(base, headers=m.as_["coordinator"]))  # type: ignore[no-any-return]


def revise(client: TestClient, m: Mobility, change: dict[int, dict[str, Any]]) -> None:
    """Agree version 2, with the outcomes at the given positions replaced as given."""
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", headers=m.as_["coordinator"], json={"change_note": "Corrections"}), 201)
    outcomes = ok(client.get(f"{base}/versions/2", headers=m.as_["coordinator"]))["outcomes"]
    for position, update in change.items():
        outcome = outcomes[position]
        body = {
            "text": outcome["text"],
            "criteria": outcome["criteria"],
            "methods": outcome["methods"],
            "competences": [
                {"framework": c["framework"], "competence": c["competence"], "target_level": c["target_level"]}
                for c in outcome["competences"]
            ],
            **update,
        }
        ok(client.put(f"{base}/versions/2/outcomes/{outcome['id']}", headers=m.as_["coordinator"], json=body))
    confirm_all(client, m, 2)


def test_a_corrected_word_keeps_the_whole_assessment_and_a_changed_target_starts_fresh(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    before = assess(client, m)
    first = before["outcomes"][0]
    corrected = {lang: text.replace("prepares", "designs") for lang, text in first["text"].items()}
    target = before["outcomes"][1]["competences"][0]
    raised = {**target, "target_level": target["target_level"] + 1}
    revise(
        client,
        m,
        {
            0: {"text": corrected},
            1: {"competences": [{k: raised[k] for k in ("framework", "competence", "target_level")}]},
        },
    )

    # before anyone confirmed, all three read what changes; the mentor and the learner were told by e-mail
    version = ok(client.get(f"{API}/mobilities/{m.id}/plan/versions/2", headers=m.as_["mentor"]))
    kinds = [(c["kind"], c["number"], [p["name"] for p in c["parts"]]) for c in version["changes"]]
    assert kinds == [("changed", 1, ["text"]), ("changed", 2, ["targets"])]  # "prepares" is in the English text
    assert version["changes"][0]["parts"][0]["after"] in corrected.values()
    with database.session() as session:
        mails = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "plan_revised")).all()
        told = {mail.recipient_id: mail.body for mail in mails}
    assert set(told) >= {m.learner, m.mentor}
    assert "cambió (sus competencias o niveles objetivo)" in told[m.mentor]  # the mentor reads Spanish
    web_login(client, f"lucía.mentor{m.school}@example.org", "en")
    page = client.get(f"/mobilities/{m.id}").text
    assert "What changes from version 1" in page
    assert "<del>" in page
    assert "designs" in page

    after = ok(client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["coordinator"]))
    assert after["plan_version"] == 2
    assert after["stage"] != "planned"
    reworded, retargeted, unchanged = after["outcomes"]
    for outcome, earlier in ((reworded, before["outcomes"][0]), (unchanged, before["outcomes"][2])):
        assert outcome["carried_from_version"] == 1
        assert outcome["worked_on"] is True
        assert [e["text"] for e in outcome["evidence"]] == [e["text"] for e in earlier["evidence"]]
        assert [e["plan_version"] for e in outcome["evidence"]] == [1]  # made under version 1, and says so
        [competence] = outcome["competences"]
        assert [(r["assessor"]["id"], r["level"]) for r in competence["ratings"]] == [(m.mentor, 4)]
        assert competence["self_assessment"]["before"] == 2
    assert reworded["text"] == corrected
    # the changed target starts fresh; the outcome's identification and evidence stay
    assert retargeted["worked_on"] is True
    assert len(retargeted["evidence"]) == 1
    [competence] = retargeted["competences"]
    assert competence["target_level"] == target["target_level"] + 1
    assert (competence["ratings"], competence["self_assessment"]["before"]) == ([], None)

    # the assessment goes on under version 2: a note on the reworded outcome, a new rating of the changed target
    base = f"{API}/mobilities/{m.id}/assessment"
    note = {"title": "More", "text": "Designed the guest presentation alone."}
    ok(client.post(f"{base}/outcomes/{reworded['outcome_id']}/notes", headers=m.as_["mentor"], json=note), 201)
    rating = {"level": 5, "justification": "Reached the raised target at level 5"}
    ok(client.put(f"{base}/targets/{competence['target_id']}/rating", headers=m.as_["mentor"], json=rating))
    again = ok(client.get(base, headers=m.as_["coordinator"]))
    assert [e["plan_version"] for e in again["outcomes"][0]["evidence"]] == [1, 2]
    assert [r["level"] for r in again["outcomes"][1]["competences"][0]["ratings"]] == [5]
    # a re-rating under version 2 of a carried rating makes a new judgement; the version-1 one stays in history
    rerating = {"level": 3, "justification": "Looked again: level 3 under the revised plan"}
    ok(
        client.put(
            f"{base}/targets/{unchanged['competences'][0]['target_id']}/rating", headers=m.as_["mentor"], json=rerating
        )
    )
    last = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][2]["competences"][0]["ratings"]
    assert [r["level"] for r in last] == [3]


KEY = carry.TargetKey("digcomp-2.2", "3.1", 3)


@pytest.mark.parametrize(
    ("revised", "continues"),
    [
        (KEY, 11),  # the same competence at the same target: its ratings carry on
        (carry.TargetKey("digcomp-2.2", "3.1", 4), None),  # the target level changed: fresh
        (carry.TargetKey("digcomp-2.2", "2.1", 3), None),  # another competence: fresh
        (carry.TargetKey("digcomp-3.0", "3.1", 3), None),  # another framework: fresh
    ],
)
def test_a_target_continues_only_the_same_competence_at_the_same_level(
    revised: carry.TargetKey, continues: int | None
) -> None:
    assert carry.continued_target({KEY: 11}, revised) == continues


@pytest.mark.parametrize(
    ("links", "start", "chain"),
    [
        ({}, 5, (5,)),  # new in this version
        ({5: 3, 3: 1}, 5, (5, 3, 1)),  # revised twice
        ({5: 3, 3: None}, 5, (5, 3)),
        ({5: 5}, 5, (5,)),  # a link to itself never loops
    ],
)
def test_an_outcome_reads_its_lineage_back_to_its_first_version(
    links: dict[int, int | None], start: int, chain: tuple[int, ...]
) -> None:
    assert carry.lineage(start, links) == chain

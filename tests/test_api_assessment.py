"""A full mobility goes from agreed plan to validated result: identify -> document -> assess -> validate."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import update

from digcomp.mobility.monitoring import LATE_WRITING_DAYS
from digcomp.store.db import Database
from digcomp.store.models import MentorLink, utcnow
from tests.journey import API, Mobility, agreed_plan, before_the_placement, create_mobility, ok


def png(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def mentor_link(client: TestClient, m: Mobility, days: int = 30) -> dict[str, Any]:
    link = ok(
        client.post(f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"], json={"days_valid": days}),
        201,
    )
    return {"headers": {"Authorization": f"Bearer {link['token']}"}, **link}


def setup(client: TestClient, database: Database) -> tuple[Mobility, dict[str, Any], str]:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    view = ok(client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["coordinator"]))
    return m, view, f"{API}/mobilities/{m.id}/assessment"


def test_full_mobility_from_agreed_plan_to_validated_result(client: TestClient, database: Database) -> None:
    m, view, base = setup(client, database)
    first, second, third = view["outcomes"]
    assert [o["stage"] for o in view["outcomes"]] == ["planned"] * 3
    t1, t2 = first["competences"][0]["target_id"], second["competences"][0]["target_id"]
    as_learner, as_coordinator, as_validator = m.as_["learner"], m.as_["coordinator"], m.as_["validator"]

    # 1. identification, with the learner's self-assessment before (closed once the placement began) and after
    before = client.put(f"{base}/targets/{t1}/self-assessment/before", headers=as_learner, json={"level": 2})
    assert before.status_code == 409
    assert "closed when it began" in before.json()["detail"]
    with before_the_placement(client, m):
        ok(client.put(f"{base}/targets/{t1}/self-assessment/before", headers=as_learner, json={"level": 2}))
    for outcome in (first, second):
        ok(
            client.put(
                f"{base}/outcomes/{outcome['outcome_id']}/identification",
                headers=as_learner,
                json={"worked_on": True, "note": "Daily at the reception"},
            )
        )
    ok(
        client.put(
            f"{base}/outcomes/{third['outcome_id']}/identification",
            headers=as_coordinator,
            json={"worked_on": False, "note": "The hotel does not use chat"},
        )
    )

    # 2. documentation: a photo from the learner's phone, the mentor's observation note through a signed link
    photo = png()
    stored = ok(
        client.post(
            f"{base}/outcomes/{first['outcome_id']}/evidence",
            headers=as_learner,
            files={"file": ("IMG_0042.exe", photo, "application/x-msdownload")},
            data={"title": "Presentation slide"},
        ),
        201,
    )
    assert (stored["media_type"], stored["size"]) == ("image/png", len(photo))  # judged from the bytes
    link = mentor_link(client, m)
    assert link["url"].startswith("http://testserver/m/dcl_")
    as_link = link["headers"]
    ok(
        client.post(
            f"{base}/outcomes/{first['outcome_id']}/notes",
            headers=as_link,
            json={"title": "Observation", "text": "Prepared the slides alone and presented them to guests."},
        ),
        201,
    )
    ok(
        client.post(
            f"{base}/outcomes/{second['outcome_id']}/links",
            headers=as_link,
            json={"title": "Checklist", "url": "https://intranet.example.es/gdpr-checklist"},
        ),
        201,
    )
    download = client.get(f"{base}/evidence/{stored['id']}/file", headers=as_coordinator)
    assert (download.status_code, download.content, download.headers["content-type"]) == (200, photo, "image/png")

    # 3. assessment: two assessors disagree on outcome 1, agree (alone) on outcome 2
    ok(
        client.put(
            f"{base}/targets/{t1}/rating",
            headers=as_link,
            json={"level": 4, "justification": "Works independently and explains the slides to guests"},
        )
    )
    competence = ok(
        client.put(
            f"{base}/targets/{t1}/rating",
            headers=as_coordinator,
            json={"level": 3, "justification": "The slides follow the template; little own design"},
        )
    )
    assert competence["combined"] == {"level": None, "disagreement": True}  # the answer: the competence as it stands
    assert sorted(r["level"] for r in competence["ratings"]) == [3, 4]
    ok(
        client.put(
            f"{base}/targets/{t2}/rating",
            headers=as_link,
            json={"level": 4, "justification": "Follows the GDPR checklist without reminders"},
        )
    )
    view = ok(client.get(base, headers=as_coordinator))
    assert [o["stage"] for o in view["outcomes"]] == ["assessed", "assessed", "assessed"]
    assert "not averaged" in view["combining_rule"]
    ok(client.put(f"{base}/targets/{t1}/self-assessment/after", headers=as_learner, json={"level": 4}))

    # 4. validation: the validator must decide the disagreement, then the record is locked
    undecided = client.post(f"{base}/validation", headers=as_validator, json={})
    assert undecided.status_code == 409
    assert "assessors differ on competence 3.1 of outcome 1 (levels 3, 4)" in undecided.json()["detail"]
    validated = ok(
        client.post(
            f"{base}/validation",
            headers=as_validator,
            json={
                "decisions": [
                    {
                        "target_id": t1,
                        "level": 4,
                        "justification": "The mentor saw the daily work; the slides meet level 4",
                    }
                ]
            },
        ),
        201,
    )
    results = [c["result"] for o in validated["outcomes"] for c in o["competences"]]
    assert [(r["status"], r["achieved_level"], r["decision"]) for r in results] == [
        ("achieved", 4, "validator"),
        ("achieved", 4, "unanimous"),
        ("not_worked_on", None, "not_worked_on"),
    ]
    assert validated["validation"]["validator"]["id"] == m.validator
    assert validated["outcomes"][0]["competences"][0]["self_assessment"] == {"before": 2, "after": 4}

    # locked: nothing changes any more
    for response in (
        client.put(
            f"{base}/targets/{t1}/rating", headers=as_link, json={"level": 5, "justification": "Changed my mind"}
        ),
        client.post(
            f"{base}/outcomes/{first['outcome_id']}/notes", headers=as_link, json={"title": "t", "text": "late note"}
        ),
        client.put(
            f"{base}/outcomes/{third['outcome_id']}/identification", headers=as_learner, json={"worked_on": True}
        ),
        client.post(f"{base}/validation", headers=as_validator, json={}),
        client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=as_coordinator, json={}),
    ):
        assert response.status_code == 409, response.text
        assert "validated" in response.json()["detail"]

    report = ok(client.get(f"{API}/audit/verify", headers=as_validator))
    assert report["valid"] is True
    actions = [e["action"] for e in ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=as_coordinator))]
    assert actions.count("assessment.rated") == 3
    assert actions[-1] == "assessment.validated"
    entries = ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=as_coordinator))
    link_entries = [e for e in entries if "via mentor link" in e["actor_label"]]
    assert link_entries
    assert all(e["actor_role"] == "mentor" for e in link_entries)


def test_forbidden_steps_are_refused_with_the_reason(client: TestClient, database: Database) -> None:
    m, view, base = setup(client, database)
    first, second = view["outcomes"][0], view["outcomes"][1]
    t1 = first["competences"][0]["target_id"]
    as_learner, as_validator, as_mentor = m.as_["learner"], m.as_["validator"], m.as_["mentor"]
    rating = {"level": 4, "justification": "Works independently at the reception"}

    def refused(response: Any, status: int, words: str) -> None:
        assert response.status_code == status, response.text
        assert words in response.json()["detail"], response.json()["detail"]

    refused(client.put(f"{base}/targets/{t1}/rating", headers=as_mentor, json=rating), 409, "not been identified")
    refused(
        client.post(
            f"{base}/outcomes/{first['outcome_id']}/notes", headers=as_mentor, json={"title": "t", "text": "early note"}
        ),
        409,
        "not been identified",
    )
    ok(
        client.put(
            f"{base}/outcomes/{first['outcome_id']}/identification", headers=as_learner, json={"worked_on": True}
        )
    )
    refused(client.put(f"{base}/targets/{t1}/rating", headers=as_mentor, json=rating), 409, "no evidence yet")
    ok(
        client.put(
            f"{base}/outcomes/{second['outcome_id']}/identification", headers=as_learner, json={"worked_on": False}
        )
    )
    refused(
        client.put(f"{base}/targets/{second['competences'][0]['target_id']}/rating", headers=as_mentor, json=rating),
        409,
        "not worked on",
    )

    ok(
        client.post(
            f"{base}/outcomes/{first['outcome_id']}/notes",
            headers=as_mentor,
            json={"title": "Observation", "text": "Did the task well."},
        ),
        201,
    )
    refused(client.put(f"{base}/targets/{t1}/rating", headers=as_learner, json=rating), 403, "rate")
    refused(
        client.put(f"{base}/targets/{t1}/self-assessment/before", headers=as_mentor, json={"level": 3}),
        403,
        "only the learner",
    )
    refused(
        client.post(
            f"{base}/outcomes/{first['outcome_id']}/notes",
            headers=as_learner,
            json={"title": "t", "text": "my own note"},
        ),
        403,
        "observation notes",
    )
    # the validator rates, and so cannot validate their own assessment
    ok(client.put(f"{base}/targets/{t1}/rating", headers=as_validator, json=rating))
    refused(client.post(f"{base}/validation", headers=as_mentor, json={}), 403, "validator")
    refused(client.post(f"{base}/validation", headers=as_validator, json={}), 409, "you assessed competence 3.1")
    refused(
        client.put(f"{base}/targets/{t1}/rating", headers=as_mentor, json={"level": 9, "justification": "x" * 12}),
        422,
        "invalid input",
    )
    refused(client.put(f"{base}/targets/99999/rating", headers=as_mentor, json=rating), 404, "not found")


def test_assessment_needs_an_agreed_plan(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    response = client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["coordinator"])
    assert response.status_code == 409
    assert "not agreed yet" in response.json()["detail"]


def test_uploads_are_checked_by_content_and_size(client: TestClient, database: Database) -> None:
    m, view, base = setup(client, database)
    outcome = view["outcomes"][0]["outcome_id"]
    as_learner = m.as_["learner"]
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=as_learner, json={"worked_on": True}))
    url = f"{base}/outcomes/{outcome}/evidence"
    text = client.post(url, headers=as_learner, files={"file": ("photo.jpg", b"just text, not a photo", "image/jpeg")})
    assert text.status_code == 415
    assert "not accepted" in text.json()["detail"]
    empty = client.post(url, headers=as_learner, files={"file": ("photo.png", b"", "image/png")})
    assert empty.status_code == 415
    big = client.post(
        url, headers=as_learner, files={"file": ("big.png", png() + b"\0" * (11 * 1024 * 1024), "image/png")}
    )
    assert big.status_code == 413
    assert "10 MB" in big.json()["detail"]
    twice = [
        ok(client.post(url, headers=as_learner, files={"file": ("a.png", png("blue"), "image/png")}), 201)
        for _ in range(2)
    ]
    assert twice[0]["sha256"] == twice[1]["sha256"]  # content-addressed: one file on disk
    refs = client.post(
        url,
        headers=as_learner,
        data={"example_refs": "LO3.1.01,LO9.9.99"},
        files={"file": ("a.png", png(), "image/png")},
    )
    assert refs.status_code == 422
    assert "LO9.9.99" in refs.json()["detail"]


def test_mentor_links_expire_can_be_withdrawn_and_reach_one_mobility_only(
    client: TestClient, database: Database
) -> None:
    m, _, _ = setup(client, database)
    other = create_mobility(client, database, "Daugavpils tehnikums")
    link = mentor_link(client, m)
    assert ok(client.get(f"{API}/auth/me", headers=link["headers"]))["mentor_link_for_mobility"] == m.id
    assert client.get(f"{API}/mobilities/{other.id}", headers=link["headers"]).status_code == 404
    assert ok(client.get(f"{API}/mobilities", headers=link["headers"]))["total"] == 1
    assert client.post(f"{API}/mobilities/{m.id}/mentor-links", headers=link["headers"], json={}).status_code == 403

    forged = {"Authorization": "Bearer " + link["token"][:-3] + "abc"}
    assert client.get(f"{API}/mobilities/{m.id}", headers=forged).status_code == 401
    ok(client.delete(f"{API}/mobilities/{m.id}/mentor-links/{link['id']}", headers=m.as_["coordinator"]), 204)
    withdrawn = client.get(f"{API}/mobilities/{m.id}", headers=link["headers"])
    assert (withdrawn.status_code, "withdrawn" in withdrawn.json()["detail"]) == (401, True)

    fresh = mentor_link(client, m)
    with database.session() as session:
        session.execute(update(MentorLink).where(MentorLink.id == fresh["id"]).values(expires_at=utcnow()))
    expired = client.get(f"{API}/mobilities/{m.id}", headers=fresh["headers"])
    assert (expired.status_code, "expired" in expired.json()["detail"]) == (401, True)


def test_a_mentor_link_ends_with_the_placement_and_its_reporting_grace(client: TestClient, database: Database) -> None:
    m, _, _ = setup(client, database)
    today = dt.date.today()
    place = f"{API}/mobilities/{m.id}"
    ends_soon = {"start_date": (today - dt.timedelta(days=90)).isoformat(), "end_date": today.isoformat()}
    ok(client.patch(place, headers=m.as_["coordinator"], json=ends_soon))
    link = mentor_link(client, m, days=365)
    grace = dt.timedelta(days=LATE_WRITING_DAYS + 1)
    assert dt.datetime.fromisoformat(link["expires_at"]) == dt.datetime.combine(today + grace, dt.time(), dt.UTC)
    assert ok(client.get(place, headers=link["headers"]))["id"] == m.id  # the placement's last day: it works

    # the school corrects the end date: the placement ended long ago, so the link no longer opens anything
    ended = today - grace
    ok(client.patch(place, headers=m.as_["coordinator"], json={"end_date": ended.isoformat()}))
    refused = client.get(place, headers=link["headers"])
    assert refused.status_code == 401
    assert refused.json()["detail"] == (
        f"this mentor link ended with the placement ({ended.isoformat()}); ask the coordinator if something is still "
        "missing"
    )
    links = ok(client.get(f"{place}/mentor-links", headers=m.as_["coordinator"]))
    assert [one["active"] for one in links] == [False]
    late = client.post(f"{place}/mentor-links", headers=m.as_["coordinator"], json={})
    assert late.status_code == 409
    assert f"the placement ended on {ended.isoformat()}" in late.json()["detail"]


def _pdf(active: str | None = None) -> bytes:
    """A one-page PDF; ``active``: with JavaScript run on opening, a launch action, or an embedded file."""
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page()
    if active == "javascript":
        action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('hi')"))
        document.Root.OpenAction = document.make_indirect(action)
    elif active == "launch":
        document.pages[0].AA = pikepdf.Dictionary(O=pikepdf.Dictionary(S=pikepdf.Name.Launch, F="calc.exe"))
    elif active == "attachment":
        document.attachments["run.exe"] = pikepdf.AttachedFileSpec(document, b"MZ...")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_pdf_that_would_run_something_is_refused(client: TestClient, database: Database) -> None:
    m, view, base = setup(client, database)
    outcome = view["outcomes"][0]["outcome_id"]
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": True}))
    url = f"{base}/outcomes/{outcome}/evidence"
    for active in ("javascript", "launch", "attachment"):
        refused = client.post(
            url, headers=m.as_["learner"], files={"file": ("work.pdf", _pdf(active), "application/pdf")}
        )
        assert refused.status_code == 415, active
        assert "JavaScript, actions or embedded files" in refused.json()["detail"]
    plain = client.post(url, headers=m.as_["learner"], files={"file": ("work.pdf", _pdf(), "application/pdf")})
    assert plain.status_code == 201

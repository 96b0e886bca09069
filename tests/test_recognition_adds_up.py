"""Recognition that adds up: a module recognising several results counts its hours and credits once; grades are on
the school's scale with "average mastery" on it; modules belong to a VET programme; validators add modules; the
results export has module, grade, credits and growth, and says "achieved" only at or above the target."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from pypdf import PdfReader

from digcomp.store.db import Database
from tests.journey import (
    API,
    Mobility,
    add_outcome,
    assess_and_validate,
    confirm_all,
    create_mobility,
    ok,
    validated_mobility,
    validator_email,
    web_login,
)


def _results(client: TestClient, m: Mobility) -> list[dict]:  # type: ignore[type-arg]
    view = ok(client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["validator"]))
    return [c for o in view["outcomes"] for c in o["competences"]]


def _module(client: TestClient, m: Mobility, code: str, programme: str = "", who: str = "validator") -> int:
    body = {
        "code": code,
        "programme": programme,
        "name": {"lv": code, "en": f"Module {code}"},
        "hours": 40,
        "credits": 2,
    }
    return int(ok(client.post(f"{API}/programme-modules", headers=m.as_[who], json=body), 201)["id"])


def test_one_module_recognising_three_results_counts_its_credits_once(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json={"vet_programme": "33811021"}))
    hotel = _module(client, m, "VPS-10", "33811021")  # a validator adds it
    cook = _module(client, m, "EP-03", "33811011", who="coordinator")  # a cook's module: not for this learner
    results = _results(client, m)
    assert len(results) == 3
    base = f"{API}/mobilities/{m.id}/recognition"

    wrong_programme = {"results": [{"result_id": results[0]["result"]["id"], "module_id": cook, "grade": "8"}]}
    refused = client.put(base, headers=m.as_["validator"], json=wrong_programme)
    assert refused.status_code == 422
    assert "not a module of the school's programme" in refused.text
    off_scale = [
        {"result_id": r["result"]["id"], "module_id": hotel, "grade": g} for r, g in zip(results, "8", strict=False)
    ]
    off_scale[0]["grade"] = "11"
    refused = client.put(base, headers=m.as_["validator"], json={"results": off_scale})
    assert "is not a grade of the school's scale (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)" in refused.text
    low = [{"result_id": results[0]["result"]["id"], "module_id": hotel, "grade": "3"}]
    refused = client.put(base, headers=m.as_["validator"], json={"results": low})
    assert f"competence {results[0]['competence']}: the grade 3 is below the school's average mastery" in refused.text

    body = {
        "results": [
            {"result_id": r["result"]["id"], "module_id": hotel, "grade": grade}
            for r, grade in zip(results, ("8", "8", "7"), strict=True)
        ]
    }
    recognised = ok(client.put(base, headers=m.as_["validator"], json=body))
    [module] = recognised["modules"]
    assert (module["module"]["code"], module["hours"], module["credits"], module["grades"]) == (
        "VPS-10",
        40,
        2,
        ["8", "7"],
    )
    assert len(module["competences"]) == 3
    assert (recognised["total_hours"], recognised["total_credits"]) == (40, 2)

    ok(client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["validator"], json={"languages": "en"}), 201)
    pdf = client.get(f"{API}/mobilities/{m.id}/certificate.pdf", headers=m.as_["learner"]).content
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert text.count("VPS-10 Module VPS-10") == 1  # one row for the module, not one per result
    assert text.count("hours: 40") == 1

    exported = client.get(f"{API}/overview/results", headers=m.as_["coordinator"], params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert {"module", "grade", "hours", "credits", "recognised_on", "self_before", "mentor_level"} <= set(rows[0])
    mine = [r for r in rows if r["module"] == "VPS-10"]
    assert len(mine) == 3
    assert sum(float(r["credits"] or 0) for r in mine) == 2  # the module's credits once
    assert [r["grade"] for r in mine] == ["8", "8", "7"]


def test_the_export_says_achieved_only_at_or_above_the_target(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=m.as_["coordinator"], json={}), 201)
    ok(add_outcome(client, m, 1, "Answers guest e-mails in the booking system", "2.1", 5), 201)
    ok(add_outcome(client, m, 1, "Finds supplier information online", "1.1", 3), 201)
    confirm_all(client, m, 1)
    assess_and_validate(client, m)  # every result validated at level 4
    web_login(client, validator_email(m))
    exported = client.get("/mobilities/results.csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    header, lines = rows[0], rows[1:]
    columns = [
        header.index(name) for name in ("Competence", "Target level", "Achieved level", "Result", "Target reached")
    ]
    assert [[line[i] for i in columns] for line in lines] == [
        ["2.1", "5", "4", "below the target", "no"],
        ["1.1", "3", "4", "achieved", "yes"],
    ]


def test_validators_add_modules_and_the_school_sets_its_scale(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    _module(client, m, "VPS-20")
    assert (
        client.patch(
            f"{API}/organisations/{m.school}", headers=m.as_["coordinator"], json={"grade_scale": "pass_fail"}
        ).status_code
        == 403
    )
    school = ok(
        client.patch(f"{API}/organisations/{m.school}", headers=m.as_["admin"], json={"grade_scale": "pass_fail"})
    )
    assert (school["grade_scale"], school["average_mastery_grade"]) == ("pass_fail", 4)
    result = _results(client, m)[0]["result"]["id"]
    modules = ok(client.get(f"{API}/programme-modules", headers=m.as_["validator"]))
    body = {"results": [{"result_id": result, "module_id": modules[0]["id"], "grade": "passed"}]}
    assert (
        ok(client.put(f"{API}/mobilities/{m.id}/recognition", headers=m.as_["validator"], json=body))["results"][0][
            "grade"
        ]
        == "passed"
    )

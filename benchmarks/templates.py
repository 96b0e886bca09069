"""Applying a group's plan template: one request fills the draft plans of a class (30 mobilities, 5 outcomes each),
through the real API on SQLite — every outcome checked against the framework and written to the audit trail as a
coordinator typing them would. The floor beside it: the same outcome rows inserted with bare SQLAlchemy, no checks.
Usage: python benchmarks/templates.py [--mobilities 30]"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from tests.journey import API, create_mobility, ok  # noqa: E402
from tests.test_plan_templates import TEMPLATE, _class_of  # noqa: E402

from digcomp.api.app import create_app  # noqa: E402
from digcomp.settings import Settings  # noqa: E402
from digcomp.store.db import Database  # noqa: E402
from digcomp.store.models import Outcome  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mobilities", type=int, default=30)
    args = parser.parse_args()
    outcomes = [*TEMPLATE["outcomes"], *TEMPLATE["outcomes"], TEMPLATE["outcomes"][0]]  # five per plan
    template = {**TEMPLATE, "outcomes": outcomes}
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/digcomp.sqlite3")
        database.migrate()
        app = create_app(settings=Settings(data_dir=Path(folder), public_url="http://testserver"), database=database)
        with TestClient(app) as client:
            m = create_mobility(client, database)
            ids = _class_of(client, m, args.mobilities)
            made = ok(client.post(f"{API}/plan-templates", headers=m.as_["coordinator"], json=template), 201)
            started = time.perf_counter()
            result = ok(
                client.post(
                    f"{API}/plan-templates/{made['id']}/applications",
                    headers=m.as_["coordinator"],
                    json={"mobility_ids": ids},
                )
            )
            ours = time.perf_counter() - started
        rows = [
            {"version_id": 1, "position": i, "text": o["text"], "criteria": o["criteria"], "methods": o["methods"]}
            for _ in ids
            for i, o in enumerate(outcomes)
        ]
        floor_started = time.perf_counter()
        with database.session() as session:
            session.execute(insert(Outcome), rows)
        floor = time.perf_counter() - floor_started
        database.dispose()
    print(
        f"plan template applied to {len(result['applied'])} mobilities × {len(outcomes)} outcomes: {ours:.2f} s "
        f"(floor, bare inserts of the same rows: {floor * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()

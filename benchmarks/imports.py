"""Importing a year's placements: N new rows (learners, 40 hosts with a mentor each, mobilities) through the importer
in one transaction on SQLite, then the same file again as a dry run where nothing changes — beside a floor that
inserts the same people and mobilities with bare SQLAlchemy bulk inserts (no matching, no audit).
Usage: python benchmarks/imports.py [--rows 1000]"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from digcomp.access import service as access
from digcomp.mobility import importer
from digcomp.store.db import Database
from digcomp.store.models import Account, Mobility, Organisation, OrganisationKind, Person, Role


def rows(count: int, school: str) -> list[importer.ImportRow]:
    start = dt.date(2027, 3, 1)
    return [
        importer.ImportRow.model_validate(
            {
                "learner_given_name": f"Anna{n}",
                "learner_family_name": "Bērziņa",
                "learner_email": f"anna{n}@school.example.lv",
                "learner_number": f"L{n:05d}",
                "sending_organisation": school,
                "sending_country": "LV",
                "host_organisation": f"Hotel {n % 40}",
                "host_country": "ES",
                "mentor_given_name": "Lucía",
                "mentor_family_name": f"García {n % 40}",
                "mentor_email": f"mentor{n % 40}@hotel.example.es",
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(weeks=12)).isoformat(),
                "group_name": f"V-{n % 25}",
            }
        )
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    count = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'import.sqlite3'}")
        database.migrate()
        with database.session() as session:
            access.create_school(
                session, "Rīgas Tehnikums", "LV", "Anna", "Admine", "admin@school.example.lv", "import-bench-2026"
            )
        data = rows(count, "Rīgas Tehnikums")
        with database.session() as session:
            actor = access.actor_of(session.scalars(select(Account)).one().person)
            started = time.perf_counter()
            result = importer.apply(session, actor, data)
            session.commit()
            first = time.perf_counter() - started
        with database.session() as session:
            actor = access.actor_of(session.scalars(select(Account)).one().person)
            started = time.perf_counter()
            again = importer.apply(session, actor, data)
            session.rollback()  # a dry run
            dry = time.perf_counter() - started
        floor_db = Database(f"sqlite:///{Path(folder) / 'floor.sqlite3'}")
        floor_db.migrate()
        started = time.perf_counter()
        with floor_db.session() as session:
            school = Organisation(name="S", kind=OrganisationKind.school, country="LV")
            session.add(school)
            session.flush()
            hosts = [Organisation(name=f"Hotel {h}", kind=OrganisationKind.company, country="ES") for h in range(40)]
            session.add_all(hosts)
            session.flush()
            people = [
                {"organisation_id": school.id, "given_name": f"A{n}", "family_name": "B", "role": Role.learner}
                for n in range(count)
            ]
            session.execute(insert(Person), people)
            ids = [p.id for p in session.query(Person).order_by(Person.id)]
            session.execute(
                insert(Mobility),
                [
                    {
                        "learner_id": ids[n],
                        "sending_organisation_id": school.id,
                        "host_organisation_id": hosts[n % 40].id,
                        "start_date": dt.date(2027, 3, 1),
                        "end_date": dt.date(2027, 5, 24),
                    }
                    for n in range(count)
                ],
            )
            session.commit()
        floor = time.perf_counter() - started
    print(
        f"import of {count} new rows: {first:.2f} s ({first / count * 1000:.1f} ms a row; created "
        f"{result.created}); the same file again, nothing changed: {dry:.2f} s (unchanged {again.unchanged}); "
        f"floor (bare bulk inserts of the same people and mobilities) {floor:.2f} s — targets 3 s and 1 s"
    )


if __name__ == "__main__":
    main()

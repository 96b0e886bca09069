"""A national-scale data set: S schools × M mobilities (default 50 × 400 = 20,000), each with a plan, an assessment
at a stage its dates make realistic, evidence notes, progress reports, audit entries on unbroken chains, and for half
of them (the placements that ended) validated, recognised results and an issued statement — reproducible from a seed.

Written in bulk (batched INSERTs, one transaction a school), not through the services: the services take ~50 ms a
mobility, 17 minutes for a country. The bulk statements' PDFs are placeholders (issuing 10,000 real ones takes half
an hour); the load's employers verify statements issued for real (the demo's and those the workers issue during the
run). Every school has a coordinator, and every host mentor and learner a login, all with ``PASSWORD``.

Usage: python benchmarks/national.py DATABASE_URL [--schools 50] [--mobilities 400] [--seed 2026]"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from digcomp.access.credentials import hash_password
from digcomp.access.service import actor_of
from digcomp.audit import log as audit
from digcomp.store.db import Database
from digcomp.store.models import (
    Account,
    Certificate,
    Confirmation,
    Decision,
    Evidence,
    EvidenceKind,
    Identification,
    Mobility,
    Organisation,
    OrganisationKind,
    Outcome,
    OutcomeCompetence,
    Person,
    Plan,
    PlanStatus,
    PlanVersion,
    ProgrammeModule,
    ProgressReport,
    Rating,
    RecognisedResult,
    Recognition,
    ResultStatus,
    Role,
    SelfAssessment,
    SelfAssessmentPhase,
    ValidatedResult,
    Validation,
    utcnow,
)

PASSWORD = "national-bench-2026"
HOSTS_PER_SCHOOL = 20
HOST_COUNTRIES = ["ES", "IT", "DE", "FI", "PT", "FR", "EE", "LT", "PL", "IE"]
GIVEN = ["Anna", "Jānis", "Līga", "Kārlis", "Marta", "Roberts", "Elīna", "Artūrs", "Sanita", "Dāvis", "Ilze", "Toms"]
FAMILY = ["Bērziņš", "Kalniņa", "Ozols", "Liepiņa", "Krūmiņš", "Zariņa", "Vītols", "Eglīte", "Siliņš", "Lapiņa"]
OUTCOMES = [  # (Latvian, English, competence, level)
    ("Pieņem galda rezervācijas rezervēšanas sistēmā", "Takes table bookings in the booking system", "3.1", 3),
    ("Sazinās ar klientiem pa e-pastu darba valodā", "Writes to guests by e-mail in the working language", "2.1", 3),
    ("Aizpilda digitālo temperatūras žurnālu", "Keeps the digital temperature log", "1.3", 3),
    ("Droši lieto uzņēmuma kases sistēmu", "Uses the company's till system safely", "4.1", 3),
    ("Sagatavo ēdienkartes aprakstu sociālajiem tīkliem", "Writes a menu post for social media", "3.1", 4),
    ("Atrod piegādātāju informāciju internetā", "Finds supplier information online", "1.1", 3),
]


@dataclass
class National:
    """What the load needs of the generated set: logins and the mobilities of each kind."""

    coordinators: list[str] = field(default_factory=list)
    mentors: list[str] = field(default_factory=list)
    learners: list[str] = field(default_factory=list)
    ongoing: dict[int, list[int]] = field(default_factory=dict)  # per school: placements under way
    certificates: list[str] = field(default_factory=list)
    mobilities: int = 0
    audit_entries: int = 0


def _ids(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in batched statements, returning their ids in the rows' order."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def _add(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model), rows)


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


class _School:
    """One school's records, written in one transaction."""

    def __init__(self, session: Session, rng: random.Random, number: int, password_hash: str, out: National) -> None:
        self.session, self.rng, self.number, self.hash, self.out = session, rng, number, password_hash, out
        self.today = dt.date.today()
        self.now = utcnow()
        self.pending: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)
        self.ended: list[tuple[int, list[int], list[int], list[tuple[str, str, str, int]]]] = []

    def _later(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        """Rows to insert with the rest of their table's (one batched statement a table)."""
        self.pending[model] += rows

    def _write_pending(self) -> None:
        for model, rows in self.pending.items():
            _add(self.session, model, rows)
        self.pending.clear()

    def write(self, mobilities: int) -> None:
        s = self.number
        (self.school,) = _ids(
            self.session,
            Organisation,
            [{"name": f"Valsts tehnikums {s:02d}", "kind": OrganisationKind.school, "country": "LV", "language": "lv"}],
        )
        admin, coordinator = _ids(
            self.session,
            Person,
            [
                self._person(self.school, Role.admin, f"admin@school{s}.example.lv", "Admins", "Administrators"),
                self._person(self.school, Role.coordinator, f"coordinator@school{s}.example.lv", "Ilze", "Kalniņa"),
            ],
        )
        self.coordinator = coordinator
        hosts = _ids(
            self.session,
            Organisation,
            [
                {
                    "name": f"Hotel {s:02d}-{h:02d}",
                    "kind": OrganisationKind.company,
                    "country": HOST_COUNTRIES[h % len(HOST_COUNTRIES)],
                    "language": "en",
                    "registered_by_id": self.school,
                }
                for h in range(HOSTS_PER_SCHOOL)
            ],
        )
        mentor_rows = [
            self._person(host, Role.mentor, f"mentor{h}@host{s}-{h}.example.eu", "Lucía", f"García {h}")
            for h, host in enumerate(hosts)
        ]
        mentors = _ids(self.session, Person, mentor_rows)
        learner_rows = [
            {
                **self._person(
                    self.school,
                    Role.learner,
                    f"learner{m}@school{s}.example.lv",
                    self.rng.choice(GIVEN),
                    self.rng.choice(FAMILY),
                ),
                "learner_number": f"S{s:02d}-{m:04d}",
            }
            for m in range(mobilities)
        ]
        learners = _ids(self.session, Person, learner_rows)
        people = [admin, coordinator, *mentors, *learners]
        emails = [
            f"admin@school{s}.example.lv",
            f"coordinator@school{s}.example.lv",
            *(r["email"] for r in mentor_rows),
            *(r["email"] for r in learner_rows),
        ]
        _add(
            self.session,
            Account,
            [{"person_id": p, "email": e, "password_hash": self.hash} for p, e in zip(people, emails, strict=True)],
        )
        self.out.coordinators.append(emails[1])
        self.out.mentors += [r["email"] for r in mentor_rows]
        self.out.learners += [r["email"] for r in learner_rows]
        (self.module,) = _ids(
            self.session,
            ProgrammeModule,
            [{"organisation_id": self.school, "code": "DIG-1", "name": {"lv": "Digitālās prasmes"}, "hours": 40}],
        )
        self._mobilities(learners, hosts, mentors)

    def _person(self, organisation: int, role: Role, email: str, given: str, family: str) -> dict[str, Any]:
        return {"organisation_id": organisation, "role": role, "email": email, "given_name": given,
                "family_name": family}  # fmt: skip

    def _dates(self, stage: str) -> tuple[dt.date, dt.date]:
        weeks = {"draft": (2, 20), "agreed": (1, 16), "ongoing": (-11, -1), "ended": (-60, -14)}[stage]
        start = self.today + dt.timedelta(weeks=self.rng.randint(*weeks))
        return start, start + dt.timedelta(weeks=12, days=4)

    def _mobilities(self, learners: list[int], hosts: list[int], mentors: list[int]) -> None:
        count = len(learners)
        stages = ["draft"] * (count // 10) + ["agreed"] * (count * 15 // 100) + ["ongoing"] * (count // 5)
        stages += ["ended"] * (count - len(stages))
        self.rng.shuffle(stages)
        self.certified = count // 2  # the rest of the ended placements (5%) wait for their statements
        rows = []
        for m, (learner, stage) in enumerate(zip(learners, stages, strict=True)):
            start, end = self._dates(stage)
            host = m % len(hosts)
            rows.append(
                {
                    "learner_id": learner,
                    "sending_organisation_id": self.school,
                    "host_organisation_id": hosts[host],
                    "mentor_id": mentors[host],
                    "coordinator_id": self.coordinator,
                    "start_date": start,
                    "end_date": end,
                    "group_name": f"G{self.number:02d}-{start.year}-{m % 8}",
                    "qualification": {"lv": "Viesmīlības pakalpojumu speciālists", "en": "Hospitality specialist"},
                    "eqf_level": 4,
                    "working_language": "en",
                }
            )
        ids = _ids(self.session, Mobility, rows)
        self.out.mobilities += len(ids)
        self.out.ongoing[self.number] = [i for i, stage in zip(ids, stages, strict=True) if stage == "ongoing"]
        plans = _ids(self.session, Plan, [{"mobility_id": i} for i in ids])
        versions = _ids(
            self.session,
            PlanVersion,
            [
                {
                    "plan_id": plan,
                    "number": 1,
                    "status": PlanStatus.draft if stage == "draft" else PlanStatus.agreed,
                    "agreed_at": None if stage == "draft" else self.now,
                }
                for plan, stage in zip(plans, stages, strict=True)
            ],
        )
        chosen = [self.rng.sample(OUTCOMES, 3) for _ in ids]
        outcome_rows = [
            {"version_id": v, "position": p, "text": {"lv": lv, "en": en}, "module_code": "DIG-1",
             "criteria": {"lv": "Mentors novēro darbā", "en": "Observed at work by the mentor"},
             "methods": ["observation"]}
            for v, picked in zip(versions, chosen, strict=True) for p, (lv, en, _, _) in enumerate(picked)
        ]  # fmt: skip
        outcomes = _ids(self.session, Outcome, outcome_rows)
        targets = _ids(
            self.session,
            OutcomeCompetence,
            [
                {"outcome_id": o, "position": 0, "framework": "digcomp-2.2", "framework_version": "2.2",
                 "competence": competence, "target_level": level}
                for o, (_, _, competence, level) in zip(outcomes, [x for p in chosen for x in p], strict=True)
            ],
        )  # fmt: skip
        history: list[audit.Change] = []
        for n, (mobility, stage) in enumerate(zip(ids, stages, strict=True)):
            mine = slice(3 * n, 3 * n + 3)
            self._assessment(
                mobility, stage, versions[n], outcomes[mine], targets[mine], mentors[n % len(hosts)], learners[n],
                chosen[n], history,
            )  # fmt: skip
        self._write_pending()
        self._validated(history)
        actor = actor_of(self.session.get_one(Person, self.coordinator))
        audit.record_many(self.session, actor, history)
        self.out.audit_entries += len(history)

    def _assessment(
        self,
        mobility: int,
        stage: str,
        version: int,
        outcomes: list[int],
        targets: list[int],
        mentor: int,
        learner: int,
        picked: list[tuple[str, str, str, int]],
        history: list[audit.Change],
    ) -> None:
        levels = [level for *_, level in picked]

        def happened(action: str, entity: str, **after: Any) -> None:
            history.append(audit.Change(action, entity, mobility_id=mobility, after=after or None))

        happened("mobility.created", f"mobility:{mobility}", learner_id=learner)
        happened("plan.version_created", f"plan_version:{version}", number=1)
        if stage == "draft":
            return
        self._later(
            Confirmation,
            [
                {"version_id": version, "role": role, "person_id": person, "content_hash": _digest(version)}
                for role, person in (
                    (Role.coordinator, self.coordinator),
                    (Role.mentor, mentor),
                    (Role.learner, learner),
                )
            ],
        )
        for role in ("coordinator", "mentor", "learner"):
            happened("plan.confirmed", f"plan_version:{version}", role=role)
        happened("plan.agreed", f"plan_version:{version}")
        if stage == "agreed":
            return
        self._later(
            SelfAssessment,
            [
                {"mobility_id": mobility, "target_id": t, "phase": SelfAssessmentPhase.before, "level": level - 1}
                for t, level in zip(targets, levels, strict=True)
            ],
        )
        self._later(
            Evidence,
            [
                {"mobility_id": mobility, "outcome_id": o, "kind": EvidenceKind.note, "title": "Observation",
                 "text": "Worked through the bookings of the evening shift on her own.", "language": "en",
                 "added_by_id": mentor}
                for o in outcomes[:2]
            ],
        )  # fmt: skip
        self._later(
            ProgressReport,
            [
                {"mobility_id": mobility, "author_id": author, "author_role": role,
                 "text": "Šonedēļ strādāju pie reģistratūras.", "language": "lv"}
                for author, role in ((learner, Role.learner), (mentor, Role.mentor))
            ],
        )  # fmt: skip
        happened("assessment.evidence_added", f"mobility:{mobility}")
        rated = targets if stage == "ended" else targets[: self.rng.randint(0, 2)]
        self._later(
            Rating,
            [
                {"mobility_id": mobility, "target_id": t, "assessor_id": mentor, "level": level,
                 "justification": "Observed over three weeks.", "language": "en"}
                for t, level in zip(rated, levels, strict=False)
            ],
        )  # fmt: skip
        for t in rated:
            happened("assessment.rated", f"target:{t}")
        self._later(
            Identification,
            [{"mobility_id": mobility, "outcome_id": o, "worked_on": True, "person_id": mentor} for o in outcomes],
        )
        if stage == "ongoing":
            return
        self.ended.append((mobility, outcomes, targets, picked))

    def _validated(self, history: list[audit.Change]) -> None:
        """The ended placements: validated, recognised, their statements issued."""
        validations = _ids(
            self.session,
            Validation,
            [{"mobility_id": m, "plan_version": 1, "validator_id": self.coordinator} for m, *_ in self.ended],
        )
        recognitions = _ids(
            self.session,
            Recognition,
            [
                {"mobility_id": m, "validation_id": v, "decided_by_id": self.coordinator}
                for (m, *_), v in zip(self.ended, validations, strict=True)
            ],
        )
        results = _ids(
            self.session,
            ValidatedResult,
            [
                {"validation_id": v, "position": p, "outcome_id": o, "target_id": t, "framework": "digcomp-2.2",
                 "framework_version": "2.2", "competence": competence, "target_level": level,
                 "achieved_level": level, "status": ResultStatus.achieved, "decision": Decision.unanimous}
                for (_, outcomes, targets, picked), v in zip(self.ended, validations, strict=True)
                for p, (o, t, (_, _, competence, level)) in enumerate(zip(outcomes, targets, picked, strict=True))
            ],
        )  # fmt: skip
        per_mobility = len(results) // max(len(validations), 1)
        _add(
            self.session,
            RecognisedResult,
            [
                {"recognition_id": recognitions[n // per_mobility], "result_id": r, "module_id": self.module,
                 "grade": "8"}
                for n, r in enumerate(results)
            ],
        )  # fmt: skip
        certificates: list[dict[str, Any]] = []
        for (mobility, *_), validation, recognition in zip(self.ended, validations, recognitions, strict=True):
            history += [
                audit.Change("assessment.validated", f"validation:{validation}", mobility_id=mobility),
                audit.Change("recognition.decided", f"recognition:{recognition}", mobility_id=mobility),
            ]
            if len(certificates) == self.certified:
                continue
            ident = f"DC-NB-{_digest('certificate', mobility)[:16].upper()}"
            certificates.append(
                {"id": ident, "mobility_id": mobility, "validation_id": validation, "languages": "lv+en",
                 "issued_at": self.now, "issued_by_id": self.coordinator, "pdf": b"%PDF-1.7 placeholder",
                 "pdf_sha256": _digest("pdf", ident), "credential": "{}", "signer_fingerprint": "0" * 64,
                 "signer_subject": "CN=national benchmark"}
            )  # fmt: skip
            history.append(audit.Change("certificate.issued", f"certificate:{ident}", mobility_id=mobility))
        _add(self.session, Certificate, certificates)
        self.out.certificates += [c["id"] for c in certificates]


def generate(database: Database, schools: int = 50, mobilities: int = 400, seed: int = 2026) -> National:
    """Write the data set into a migrated database; the same seed gives the same people, dates and plans."""
    rng = random.Random(seed)
    out = National()
    password_hash = hash_password(PASSWORD)
    for number in range(1, schools + 1):
        with database.session() as session:
            _School(session, rng, number, password_hash, out).write(mobilities)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--mobilities", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    database = Database(args.database_url)
    database.migrate()
    started = time.perf_counter()
    out = generate(database, args.schools, args.mobilities, args.seed)
    print(
        f"generated {args.schools} schools, {out.mobilities} mobilities, {out.audit_entries} audit entries "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()

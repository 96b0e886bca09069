"""The demo's school on its own SQLite file, with the demo learner's statement issued: what the privacy and erasure
tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from digcomp import demo
from digcomp.credentials import issuing
from digcomp.framework import catalog
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import Mobility, Role


@dataclass(frozen=True)
class IssuedDemo:
    settings: Settings
    database: Database
    mobility_id: int
    learner_id: int
    school_id: int
    host_id: int
    certificate_id: str


def issued_demo(folder: Path) -> IssuedDemo:
    settings = Settings(data_dir=folder / "data", public_url="http://testserver")
    database = Database(f"sqlite:///{folder / 'digcomp.sqlite3'}")
    database.migrate()
    cat = catalog()
    with database.session() as session:
        demo.seed(session, cat)
        mobility: Mobility = demo.certificate_demo(session, cat, settings)
        validator = demo.actor_for(session, Role.validator)
        certificate, _ = issuing.issue(session, cat, settings, validator, mobility, ["lv", "en"])
        return IssuedDemo(
            settings,
            database,
            mobility.id,
            mobility.learner_id,
            mobility.sending_organisation_id,
            mobility.host_organisation_id,
            certificate.id,
        )

"""Issuing the statements of many validated mobilities at once: read in the main process, rendered and signed in
parallel worker processes, each committed on its own."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.credentials.issuing import (
    Rendered,
    _replaced,
    _store,
    _validation,
    build_statement,
    current_certificate,
    free_status_index,
    new_certificate_id,
    render_and_sign,
    require_issuer,
)
from digcomp.credentials.signing import (
    SigningKey,
    signing_key,
)
from digcomp.credentials.statement import Statement
from digcomp.credentials.template import load_template
from digcomp.framework import Catalog
from digcomp.i18n import UI_LANGUAGES
from digcomp.plans.service import plan_of
from digcomp.settings import Settings
from digcomp.store.models import (
    Certificate,
    Mobility,
    Validation,
    utcnow,
)


@dataclass(frozen=True)
class _Job:
    mobility_id: int
    validation_id: int
    statement: Statement
    supersedes: str | None


def validated_mobilities(session: Session, mobility_ids: Sequence[int], organisation_id: int) -> list[int]:
    """Those of the school's mobilities whose result is validated (a validation in force)."""
    query = (
        select(Validation.mobility_id)
        .join(Mobility, Mobility.id == Validation.mobility_id)
        .where(
            Validation.mobility_id.in_([m for m in mobility_ids if 0 < m < 2**31]),
            Validation.reopened_at.is_(None),
            Mobility.sending_organisation_id == organisation_id,
        )
    )
    return list(session.scalars(query))


def pending_mobilities(
    session: Session,
    organisation_id: int | None = None,
    group: str | None = None,
    mobility_ids: Sequence[int] | None = None,
) -> list[int]:
    """Validated mobilities that have no certificate in force."""
    query = (
        select(Mobility.id)
        .join(Validation, Validation.mobility_id == Mobility.id)
        .where(Validation.reopened_at.is_(None))
        .order_by(Mobility.id)
    )
    if organisation_id is not None:
        query = query.where(Mobility.sending_organisation_id == organisation_id)
    if group:
        query = query.where(Mobility.group_name == group)
    if mobility_ids is not None:
        query = query.where(Mobility.id.in_([m for m in mobility_ids if 0 < m < 2**31]))
    issued = select(Certificate.mobility_id).where(Certificate.revoked_at.is_(None))
    return list(session.scalars(query.where(Mobility.id.not_in(issued))))


_worker_key: SigningKey | None = None

_worker_url = ""


def _init_worker(key: SigningKey, public_url: str) -> None:
    """Set up a worker process; it ends with its parent, even one killed with SIGKILL (Linux)."""
    global _worker_key, _worker_url
    _die_with_parent()
    _worker_key, _worker_url = key, public_url
    load_template()


def _die_with_parent() -> None:
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _work(statement: Statement) -> Rendered:
    assert _worker_key is not None
    return render_and_sign(statement, _worker_key, _worker_url)


def issue_many(
    database: Any,
    catalog: Catalog,
    settings: Settings,
    actor: Actor,
    mobility_ids: Sequence[int],
    *,
    languages: list[str] | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk: int = 16,
) -> list[str]:
    """Issue the certificates of many validated mobilities: statements are read in the main process, rendered
    and signed in parallel worker processes, and each certificate is committed on its own — a crash loses at
    most the certificates in flight, never leaves one half-written, and a rerun skips those already issued."""
    languages = languages or list(UI_LANGUAGES)
    key = signing_key(settings)
    issued: list[str] = []
    base_url = settings.offline_base_url
    pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(key, base_url)) if workers > 1 else None
    if pool is None:
        _init_worker(key, base_url)
    try:
        for start in range(0, len(mobility_ids), chunk):
            jobs = _jobs(database, catalog, actor, base_url, mobility_ids[start : start + chunk], languages)
            statements = [job.statement for job in jobs]
            rendered: Iterable[Rendered] = pool.map(_work, statements) if pool else map(_work, statements)
            for job, result in zip(jobs, rendered, strict=True):
                if _commit(database, actor, job, result, languages):
                    issued.append(result.certificate_id)
                if progress:
                    progress(1)
    finally:
        if pool is not None:
            pool.shutdown()
    return issued


def _jobs(
    database: Any, catalog: Catalog, actor: Actor, base_url: str, ids: Sequence[int], languages: list[str]
) -> list[_Job]:
    jobs = []
    chosen: set[int] = set()
    with database.session() as session:
        for mobility_id in ids:
            mobility = session.get_one(Mobility, mobility_id)
            require_issuer(actor, mobility)
            if current_certificate(session, mobility) is not None:
                continue
            validation = _validation(session, mobility)
            supersedes = _replaced(session, mobility)
            statement = build_statement(
                session,
                catalog,
                base_url,
                mobility,
                validation,
                languages,
                new_certificate_id(utcnow().year),
                supersedes,
                free_status_index(session, chosen),
            )
            jobs.append(_Job(mobility_id, validation.id, statement, supersedes))
    return jobs


def _commit(database: Any, actor: Actor, job: _Job, rendered: Rendered, languages: list[str]) -> bool:
    def work(session: Session) -> bool:
        mobility = session.get_one(Mobility, job.mobility_id)
        plan_of(session, mobility, for_update=True)
        if current_certificate(session, mobility) is not None:  # issued meanwhile by someone else: keep theirs
            return False
        validation = session.get_one(Validation, job.validation_id)
        _store(session, actor, mobility, validation, rendered, languages, job.supersedes, job.statement.status)
        return True

    return bool(database.run(work))

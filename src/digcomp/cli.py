"""The ``digcomp`` command line. Each subcommand is a thin layer over the domain packages."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from pydantic import BaseModel

from digcomp.errors import DomainError
from digcomp.framework import FrameworkError, UnknownCompetence, UnknownFramework, catalog
from digcomp.framework.export import framework_json, moodle_csv
from digcomp.framework.search import search
from digcomp.framework.views import CompetenceView, describe_competence, summarize
from digcomp.i18n import DOCUMENT_LANGUAGES, UI_LANGUAGES

LANGUAGES = UI_LANGUAGES  # the framework's texts are Latvian and English
LANGUAGES_HELP = (
    "the documents' languages: one, or two joined by + with the school's first — lv+en (default), lv+es, en+lv, lv "
    f"… (from {', '.join(DOCUMENT_LANGUAGES)}; a host's language where the plan is written in it)"
)
EXIT_USAGE = 2


class CliError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"digcomp: error: {message}\n")


def _emit(value: Any, fmt: str, text: Callable[[Any], str]) -> None:
    if fmt == "json":
        if isinstance(value, BaseModel):
            print(value.model_dump_json(indent=2))
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            print(json.dumps([v.model_dump(mode="json") for v in value], ensure_ascii=False, indent=2))
        else:
            print(json.dumps(value, ensure_ascii=False, indent=2))
    else:
        print(text(value))


# --- frameworks -----------------------------------------------------------------------------------------------


def cmd_frameworks(args: argparse.Namespace) -> int:
    summaries = [summarize(fw) for fw in catalog().frameworks.values()]

    def text(items: list[Any]) -> str:
        lines = []
        for s in items:
            counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in s.counts.items() if v)
            lines.append(f"{s.id}\t{s.name} {s.version}\tlanguages: {', '.join(s.languages)}\t{counts}")
        return "\n".join(lines)

    _emit(summaries, args.format, text)
    return 0


def _competence_text(view: CompetenceView) -> str:
    lines = [
        f"{view.id} {view.title}",
        f"{view.framework} · area {view.area_id} {view.area_title}",
        "",
        view.descriptor + (f"  [{view.descriptor_language}]" if view.descriptor_language != view.language else ""),
    ]
    for level in view.levels:
        lines += ["", f"Level {level.number} — {level.name}"]
        if level.preamble:
            lines.append(level.preamble)
        if level.description:
            lines.append(level.description)
        lines += [f"  • {s}" for s in level.statements]
    if view.examples:
        lines += ["", "Knowledge, skills and attitudes:"]
        lines += [f"  {e.id} [{e.type[0].upper()}] {e.text}" for e in view.examples]
    elif view.examples_pending:
        lines += ["", "Knowledge, skills and attitudes examples: pending for this framework (see README)."]
    for u in view.use_cases:
        lines += ["", f"Example of use, level {u.level}, {u.scenario}: {u.scenario_title}", u.text]
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    fw = catalog().get(args.framework)
    if args.competence not in fw.competence_by_id:
        raise UnknownCompetence(fw.id, args.competence)
    if args.level is not None and args.level not in fw.level_by_number:
        raise CliError(f"level must be 1..{fw.max_level} for {fw.id}, got {args.level}")
    view = describe_competence(fw, args.competence, args.lang, args.level)
    _emit(view, args.format, _competence_text)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    cat = catalog()
    frameworks = [cat.get(args.framework)] if args.framework else list(cat.frameworks.values())
    hits = search(frameworks, args.text, args.lang, args.limit)

    def text(items: list[Any]) -> str:
        if not items:
            return "no matches"
        return "\n".join(
            f"{h.framework} {h.competence}"
            + (f" L{h.level}" if h.level else "")
            + f" [{h.kind}] {h.text.splitlines()[0][:140]}"
            for h in items
        )

    _emit([h.__dict__ for h in hits] if args.format == "json" else hits, args.format, text)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    fw = catalog().get(args.framework)
    output = moodle_csv(fw, args.lang) if args.format == "moodle-csv" else framework_json(fw) + "\n"
    sys.stdout.write(output)
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    from digcomp.mapping import suggester

    if (args.text is None) == (args.file is None):
        raise CliError("give a statement or --file FILE (one statement per line, - for standard input)")
    engine = suggester(catalog().get(args.framework).id)

    def suggestions(text: str) -> list[dict[str, Any]]:
        try:
            found = engine.suggest(text, args.lang, args.top, eqf_level=args.eqf)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        return [s.model_dump(mode="json") for s in found]

    if args.text is not None:
        result = suggestions(args.text)
        if args.format == "json":
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            for s in result:
                sureness = f"{s['confidence']}, {s['score']:.2f}"
                print(f"{s['competence']} {s['title']}  ({sureness}; level {s['level']} {s['level_name']})")
                print("".join(f"    - {reason}\n" for reason in s["why"]), end="")
        return 0
    stream = sys.stdin if args.file == "-" else _open_text(args.file)
    with stream:
        for line in stream:
            # One JSON array per input line, in input order; a blank line gives an empty array.
            print(json.dumps(suggestions(line) if line.strip() else [], ensure_ascii=False), flush=False)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from digcomp.access.credentials import application_secret as credentials_secret
    from digcomp.api.app import create_app
    from digcomp.credentials.signing import signing_key
    from digcomp.demo import certificate_demo, is_empty, seed
    from digcomp.settings import get_settings

    settings = get_settings()
    database = _database()
    if args.demo:
        cat = catalog()
        with database.session() as session:
            if is_empty(session):
                seed(session, cat)
                certificate_demo(session, cat, settings)
                print(
                    "demo data created: school, host hotel, learner Jānis Bērziņš, a mobility with a draft plan and "
                    "an earlier one assessed, validated and recognised"
                )
        _print_demo_logins()
    url = f"http://{args.host}:{args.port}"
    print(f"digcomp is serving at {url}  (API documentation: {url}/docs; database: {_safe_url(database.url)})")
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": "info",
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or "",
        # Longer than clients and proxies keep an idle connection (uvicorn's 5 s closed connections a client was
        # just reusing: "connection reset" under the mixed load; proxies keep theirs 60 s)
        "timeout_keep_alive": 75,
    }
    if args.workers > 1:
        if database.url.startswith("sqlite"):
            print("note: several workers on SQLite share one writer; use PostgreSQL (DATABASE_URL) to scale out")
        database.dispose()
        # Workers share nothing but the database and the data directory (evidence, keys, the link secret):
        # create the secret and the development key now, not in N workers at once.
        credentials_secret(settings)
        signing_key(settings)
        uvicorn.run("digcomp.api.app:worker_app", factory=True, workers=args.workers, **options)
    else:
        uvicorn.run(create_app(settings, database, serving=True), **options)
    return 0


def _print_demo_logins() -> None:
    from digcomp.demo import DEMO_LOGINS, DEMO_PASSWORD

    print(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in DEMO_LOGINS.items():
        print(f"  {role.value:12s} {email}")


def cmd_admin_create_school(args: argparse.Namespace) -> int:
    import getpass

    from digcomp.access import service as access
    from digcomp.errors import DomainError

    password = args.password or getpass.getpass("password for the school's admin: ")
    database = _database()
    try:
        with database.session() as session:
            created = access.create_school(
                session,
                args.name,
                args.country,
                args.admin_given_name,
                args.admin_family_name,
                args.admin_email,
                password,
            )
    except DomainError as exc:
        raise CliError(exc.message) from None
    print(f"school {args.name} registered (organisation {created.organisation_id}); admin login: {args.admin_email}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from digcomp.audit import log as audit

    database = _database()
    report = database.read(audit.verify_log)
    if args.format == "json":
        print(json.dumps(report.__dict__))
    elif report.valid:
        print(f"audit chain valid: {report.entries} entries")
    else:
        where = f" at entry {report.first_bad_entry}" if report.first_bad_entry else ""
        print(f"audit chain BROKEN{where}: {report.problem}")
    return 0 if report.valid else 1


def cmd_migrate(args: argparse.Namespace) -> int:
    from digcomp import jobs
    from digcomp.settings import get_settings

    database = _database()
    if jobs.uses_queue(get_settings()):
        jobs.install_schema(get_settings(), database)
    print(f"database schema is up to date: {_safe_url(database.url)}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from digcomp import jobs
    from digcomp.settings import get_settings

    settings = get_settings()
    if not jobs.uses_queue(settings):
        raise CliError("the job queue runs on PostgreSQL (DATABASE_URL); on SQLite, jobs run where they are asked for")
    if settings.worker_niceness and hasattr(os, "nice"):
        os.nice(settings.worker_niceness)  # background work: the web service's requests go first
    database = jobs.until_reachable(_database)
    jobs.until_reachable(lambda: jobs.install_schema(settings, database))
    print("digcomp worker: processing queued jobs" + (" until the queue is empty" if args.once else ""))
    jobs.run_worker(settings, once=args.once)
    return 0


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    from digcomp.audit import log as audit

    entry = _database().run(audit.checkpoint)
    if entry is None:
        print("no chain grew since the last checkpoint")
    else:
        print(f"checkpoint {entry.seq}: vouches for {len((entry.after or {}).get('heads', {}))} chain(s)")
    return 0


def cmd_mail_send(args: argparse.Namespace) -> int:
    from digcomp.mail import service as mail
    from digcomp.settings import get_settings

    settings = get_settings()
    if not settings.smtp_host:
        raise CliError("no mail server: set DIGCOMP_SMTP_HOST (and _PORT, _SECURITY, _USERNAME, _PASSWORD)")
    reminders, delivery = mail.run_once(_database(), settings)
    print(
        f"reminders queued: {reminders}; sent: {delivery.sent}; failed: {delivery.failed}; waiting: {delivery.waiting}"
    )
    return 1 if delivery.failed else 0


def cmd_retention(args: argparse.Namespace) -> int:
    import datetime as dt

    from digcomp.assessment.evidence_store import EvidenceStore
    from digcomp.privacy import erasure
    from digcomp.settings import get_settings

    database = _database()
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    expired = database.read(lambda s: erasure.expired_learners(s, today))
    for e in expired:
        print(f"person {e.person_id} (school {e.organisation_id}): last mobility ended {e.last_end_date.isoformat()}")
    if args.dry_run or not expired:
        print(f"{len(expired)} learner(s) past their school's retention period" + (" (dry run)" if expired else ""))
        return 0
    settings = get_settings()
    store = EvidenceStore(settings.data_dir / "evidence")
    reports = database.run(lambda s: erasure.apply_retention(s, today))
    for report in reports:
        erasure.after_commit(database.engine, store, report)
    print(f"erased the personal data of {len(reports)} learner(s)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from digcomp.credentials import register
    from digcomp.credentials.signing import credential_key
    from digcomp.credentials.verify import UnusableInput
    from digcomp.settings import get_settings

    try:
        data = open(args.file, "rb").read()  # noqa: SIM115 - read at once
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    database = _database()
    try:
        with database.session() as session:
            result = register.verify_file(session, data, catalog(), credential_key(get_settings()))
    except UnusableInput as exc:
        raise CliError(f"{args.file}: {exc}") from None
    if args.format == "json":
        print(json.dumps(dict(result), ensure_ascii=False, indent=2))
    else:
        print(f"{args.file}: {str(result['verdict']).upper()}")
        for key in ("certificate_id", "holder", "issuer", "issued_at", "signer_subject"):
            if result.get(key):
                label = "agreement id" if key == "certificate_id" and result["document"] == "agreement" else key
                print(f"  {label.replace('_', ' ')}: {result[key]}")
        for reason in result.get("reasons", []):
            print(f"  - {reason}")
    return 0 if result["verdict"] == "valid" else 1


def cmd_issue(args: argparse.Namespace) -> int:
    import os

    from tqdm import tqdm

    from digcomp import jobs
    from digcomp.credentials import bulk
    from digcomp.credentials import languages as document_languages
    from digcomp.settings import get_settings

    languages = document_languages.parse(args.languages)
    database = _database()
    with database.session() as session:
        actor = _staff_member(session, args.by)
        school = actor.organisation_id
        if args.mobility:
            pending = set(bulk.pending_mobilities(session, school, mobility_ids=args.mobility))
            known = set(bulk.validated_mobilities(session, args.mobility, school))
            unusable = [m for m in args.mobility if m not in known]
            if unusable:
                raise CliError(
                    f"no validated mobility {', '.join(map(str, unusable))} of {args.by}'s school: nothing to issue"
                )
            ids = [m for m in args.mobility if m in pending]
        else:
            ids = bulk.pending_mobilities(session, school, group=args.group)
    if not ids:
        print("nothing to issue: every validated mobility has its certificate")
        return 0
    if args.queue:
        if not jobs.uses_queue(get_settings()):
            raise CliError("--queue needs PostgreSQL (DATABASE_URL); on SQLite, issue without it")
        jobs.install_schema(get_settings(), database)
        queued = jobs.enqueue_issuing(get_settings(), ids, languages, actor.person_id)
        print(f"queued {queued} certificate(s) ({len(ids) - queued} already queued); `digcomp worker` issues them")
        return 0
    workers = args.workers or (os.cpu_count() or 1)
    with tqdm(total=len(ids), unit="certificate", disable=args.quiet) as bar:
        issued = bulk.issue_many(
            database, catalog(), get_settings(), actor, ids, languages=languages, workers=workers, progress=bar.update
        )
    print(f"issued {len(issued)} certificate(s); {len(ids) - len(issued)} already had one")
    return 0


def _staff_member(session: Any, email: str) -> Any:
    """The school's staff member who answers for what the command does (named in the audit trail)."""
    from sqlalchemy import func, select

    from digcomp.access.actor import SCHOOL_STAFF
    from digcomp.access.service import actor_of
    from digcomp.store.models import Person

    person = session.scalars(select(Person).where(func.lower(Person.email) == email.strip().lower())).first()
    if person is None or person.role not in SCHOOL_STAFF:
        raise CliError(f"no staff member with e-mail {email}: --by names the school's admin, coordinator or validator")
    return actor_of(person)


def cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sqlalchemy.orm import undefer

    from digcomp.agreement import service as agreements
    from digcomp.credentials import issuing
    from digcomp.credentials import languages as document_languages
    from digcomp.demo import actor_for, certificate_demo
    from digcomp.settings import get_settings
    from digcomp.store.models import Certificate, Role

    settings = get_settings()
    database = _database()
    cat = catalog()
    with database.session() as session:
        mobility = certificate_demo(session, cat, settings)
        languages = document_languages.parse(args.languages)
        validator = actor_for(session, Role.validator)
        certificate, _ = issuing.issue(session, cat, settings, validator, mobility, languages)
        certificate = session.get_one(
            Certificate,
            certificate.id,
            options=[undefer(Certificate.pdf), undefer(Certificate.credential), undefer(Certificate.edc)],
        )
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        pdf = out / f"{certificate.id}.pdf"
        pdf.write_bytes(certificate.pdf)
        (out / f"{certificate.id}.credential.json").write_text(certificate.credential, encoding="utf-8")
        (out / f"{certificate.id}.edc.json").write_text(issuing.edc_json(certificate.edc or ""), encoding="utf-8")
        (out / f"{certificate.id}.edc.jwt").write_text(certificate.edc or "", encoding="utf-8")
        agreed = agreements.agreed_version_number(session, mobility)
        assert agreed is not None
        coordinator = actor_for(session, Role.coordinator)
        agreement = agreements.agreement_for(session, cat, settings, coordinator, mobility, agreed, languages=languages)
        agreement_pdf = out / f"learning-agreement-{agreement.id}.pdf"
        agreement_pdf.write_bytes(agreement.pdf)
    print(f"demo certificate of Jānis Bērziņš: {pdf}")
    print(f"Open Badges credential (proof):   {out / (certificate.id + '.credential.json')}")
    print(f"European Digital Credential:      {out / (certificate.id + '.edc.json')}")
    print(f"  … sealed (JWS, vc+jwt):          {out / (certificate.id + '.edc.jwt')}")
    print(f"signed learning agreement:        {agreement_pdf}")
    print(f"check them:                        digcomp verify {pdf}")
    print(f"                                   digcomp verify {agreement_pdf}")
    return 0


def _database() -> Any:
    from digcomp.settings import get_settings
    from digcomp.store.db import Database

    database = Database(get_settings().effective_database_url, get_settings().database_pool_size)
    database.migrate()
    return database


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _open_text(path: str) -> Any:
    try:
        return open(path, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


# --- parser ---------------------------------------------------------------------------------------------------


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise argparse.ArgumentTypeError(f"unsupported language '{value}' (choose from {', '.join(LANGUAGES)})")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="digcomp", description="DigComp competence assessment and recognition for mobilities.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add("frameworks", cmd_frameworks, "List the loaded competence frameworks.")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("show", cmd_show, "Show a competence with its level descriptors and examples.")
    p.add_argument("competence", help="competence id, e.g. 3.1")
    p.add_argument("--framework", default=None, help="framework id (default digcomp-2.2)")
    p.add_argument("--level", type=int, default=None, help="only this proficiency level")
    p.add_argument("--lang", type=_language, default="en")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("search", cmd_search, "Find competences, level descriptors and examples by words.")
    p.add_argument("text")
    p.add_argument("--framework", default=None)
    p.add_argument("--lang", type=_language, default="en")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("export", cmd_export, "Export a framework (Moodle competency framework CSV, or JSON).")
    p.add_argument("--format", choices=("moodle-csv", "json"), required=True)
    p.add_argument("--framework", default=None)
    p.add_argument("--lang", type=_language, default="en")

    p = add("suggest", cmd_suggest, "Suggest DigComp competences and a level for a learning-outcome statement.")
    p.add_argument("text", nargs="?", help="the statement (or use --file)")
    p.add_argument("--file", help="one statement per line; - reads standard input; prints one JSON array per line")
    p.add_argument("--lang", default="auto", help="auto (default), en, lv, or another EU language code")
    p.add_argument("--top", type=int, default=3)
    p.add_argument("--eqf", type=int, default=None, help="EQF level of the qualification (sets the usual levels)")
    p.add_argument("--framework", default=None)
    p.add_argument("--format", choices=("json", "text"), default="json")

    p = add("serve", cmd_serve, "Start the web service (SQLite in the data directory unless DATABASE_URL is set).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--demo", action="store_true", help="create demo data when the database is empty")
    p.add_argument("--workers", type=int, default=1, help="worker processes (for PostgreSQL; default 1)")

    p = add("admin-create-school", cmd_admin_create_school, "Register a sending school and its first admin login.")
    p.add_argument("--name", required=True)
    p.add_argument("--country", required=True, help="ISO 3166 code, e.g. LV")
    p.add_argument("--admin-given-name", required=True)
    p.add_argument("--admin-family-name", required=True)
    p.add_argument("--admin-email", required=True)
    p.add_argument("--password", help="asked for when omitted")

    p = add(
        "verify",
        cmd_verify,
        "Verify a signed statement PDF or its JSON credential: valid, revoked, tampered or unknown "
        "(exit 0 only if valid).",
    )
    p.add_argument("file")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("issue", cmd_issue, "Issue the certificates of validated mobilities (idempotent, resumable, parallel).")
    p.add_argument("--by", required=True, help="e-mail of the school's staff member who issues (named in the audit)")
    p.add_argument("--group", help="only mobilities of this group")
    p.add_argument("--mobility", type=int, action="append", help="only this mobility (repeatable)")
    p.add_argument("--languages", default="lv+en", help=LANGUAGES_HELP)
    p.add_argument("--workers", type=int, default=0, help="worker processes (default: one per CPU core)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--queue", action="store_true", help="queue one job per certificate for `digcomp worker` (PostgreSQL)"
    )

    p = add(
        "demo", cmd_demo, "Create a complete demo (plan, evidence, assessment, validation) and write its certificate."
    )
    p.add_argument("--out", required=True, help="folder for the signed PDF, the credential JSON and the EDC JSON")
    p.add_argument("--languages", default="lv+en", help=LANGUAGES_HELP)

    p = add("audit-verify", cmd_audit_verify, "Verify the audit trail's hash chains (exit 1 when broken).")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = add("worker", cmd_worker, "Process queued jobs (bulk issuing, audit checkpoints) — PostgreSQL only.")
    p.add_argument("--once", action="store_true", help="stop when the queue is empty")
    add("migrate", cmd_migrate, "Create or upgrade the database schema (run once before starting several instances).")
    add(
        "audit-checkpoint",
        cmd_audit_checkpoint,
        "Anchor every audit chain that grew in the global checkpoint chain (run periodically; the worker does).",
    )

    add("mail-send", cmd_mail_send, "Queue today's rating reminders and send every e-mail that is due.")
    p = add(
        "retention",
        cmd_retention,
        "Erase the personal data of learners whose last mobility ended longer ago than their school keeps data.",
    )
    p.add_argument("--dry-run", action="store_true", help="only list who would be erased")
    p.add_argument("--today", help="the date to count from (YYYY-MM-DD; default: today)")

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (CliError, UnknownFramework, UnknownCompetence, FrameworkError, DomainError) as exc:
        message = exc.message if isinstance(exc, DomainError) else (exc.args[0] if exc.args else str(exc))
        print(f"digcomp: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

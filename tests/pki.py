"""A school's PKI for the tests, really served over HTTP on localhost: a root CA, an intermediate CA that issues the
school's signing certificate, an OCSP responder, CRLs and an RFC 3161 time-stamping authority — certomancer's
Animator (the tool pyHanko's own tests use) in a thread. Keys are generated for each run; nothing leaves the
machine."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import pem
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import WSGIRequestHandler, make_server

ARCH = "school-pki"
KEYS = ("root", "interm", "interm-ocsp", "school", "tsa")
FOREVER = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2100-01-01T00:00:00+0000"}


@dataclass(frozen=True)
class SchoolPki:
    url: str
    tsa_url: str
    root_pem: Path
    signing_p12: Path
    passphrase: str
    stop: Callable[[], None]  # the services go offline (as after the signing certificate has expired)
    refuse: Callable[[str], None]  # one service (a path part: "ocsp", "crls", "tsa") answers 503 from now on


def _architecture() -> dict[str, Any]:
    return {
        "keyset": ARCH,
        "entity-defaults": {"country-name": "LV", "organization-name": "Test Trust Services"},
        "entities": {
            "root": {"common-name": "Test Root CA"},
            "interm": {"common-name": "Test Issuing CA"},
            "interm-ocsp": {"common-name": "Test OCSP Responder"},
            "tsa": {"common-name": "Test Time-Stamping Authority"},
            "school": {"organization-name": "Rīgas Tehniskā koledža", "common-name": "Rīgas Tehniskā koledža"},
        },
        "certs": {
            "root": {
                "subject": "root",
                "issuer": "root",
                "validity": FOREVER,
                "profiles": [{"id": "simple-ca", "params": {"crl-repo": "root"}}],
            },
            "interm": {
                "issuer": "root",
                "validity": FOREVER,
                "profiles": [
                    {"id": "simple-ca", "params": {"max-path-len": 0, "crl-repo": "interm", "ocsp-service": "interm"}}
                ],
            },
            "interm-ocsp": {"issuer": "interm", "validity": FOREVER, "profiles": ["ocsp-responder"]},
            "school": {"issuer": "interm", "validity": FOREVER, "profiles": ["digsig-commitment"]},
            "tsa": {
                "issuer": "root",
                "validity": FOREVER,
                "extensions": [
                    {
                        "id": "key_usage",
                        "critical": True,
                        "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                    },
                    {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                ],
            },
        },
        "services": {
            "ocsp": {"interm": {"for-issuer": "interm", "responder-cert": "interm-ocsp", "signing-key": "interm-ocsp"}},
            "crl-repo": {
                "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P90D"},
                "interm": {"for-issuer": "interm", "signing-key": "interm", "simulated-update-schedule": "P30D"},
            },
            "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
        },
    }


def _write_keys(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for label in KEYS:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (folder / f"{label}.key.pem").write_bytes(pem)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _Deferred:
    """The WSGI app, set once the server's port (which the PKI's URLs carry) is known; refused services fail."""

    def __init__(self) -> None:
        self.app: Any = None
        self.refused: set[str] = set()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        if set(str(environ.get("PATH_INFO", "")).split("/")) & self.refused:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down"]
        return self.app(environ, start_response)


@contextmanager
def school_pki(folder: Path) -> Iterator[SchoolPki]:
    """The PKI served on a free localhost port while the block runs."""
    _write_keys(folder / "keys")
    deferred = _Deferred()
    server = make_server("127.0.0.1", 0, deferred, threaded=True, request_handler=_Quiet)
    url = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig(
        {
            "external-url-prefix": url,
            "keysets": {ARCH: {"path-prefix": "keys", "keys": {k: {"path": f"{k}.key.pem"} for k in KEYS}}},
            "pki-architectures": {ARCH: _architecture()},
        },
        key_search_dir=str(folder),
    )
    architecture = config.get_pki_arch(ARCH)
    deferred.app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    passphrase = "school-key-passphrase"
    p12 = folder / "school.p12"
    p12.write_bytes(
        architecture.package_pkcs12(
            CertLabel("school"), certs_to_embed=[CertLabel("interm"), CertLabel("root")], password=passphrase.encode()
        )
    )
    root = folder / "root.pem"
    root.write_bytes(pem.armor("CERTIFICATE", architecture.get_cert(CertLabel("root")).dump()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        if thread.is_alive():
            server.shutdown()
            thread.join(timeout=10)
        server.server_close()

    try:
        yield SchoolPki(url, f"{url}/{ARCH}/tsa/tsa", root, p12, passphrase, stop, deferred.refused.add)
    finally:
        stop()

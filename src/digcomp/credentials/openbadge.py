"""The achievement as an Open Badges 3.0 ``OpenBadgeCredential`` (VC data model 2.0), and its validation
against the published JSON-LD contexts vendored in ``vocab/`` (see vocab/README.md for their sources).

One credential per statement: its achievement is aligned to each achieved DigComp competence
(targetFramework, targetCode, targetUrl), with one rubric (the framework's levels) per competence, and the
subject's results give the achieved level of each. Competences not achieved are on the PDF, not in the badge.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from digcomp.credentials import contexts
from digcomp.credentials.contexts import CID_CONTEXT, OB_CONTEXT, VC_CONTEXT
from digcomp.credentials.proof import CredentialKey, verification_method
from digcomp.credentials.statement import CompetenceLine, Party, RecognitionLine, Statement


def profile(party: Party, url: str) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": url, "type": ["Profile"], "name": party.name}
    address: dict[str, Any] = {"type": ["Address"], "addressCountryCode": party.country_code}
    if party.address:
        address["streetAddress"] = party.address
    profile["address"] = address
    if party.contact_email:
        profile["email"] = party.contact_email
    return profile


def issuer_profile(party: Party, key: CredentialKey | None) -> dict[str, Any]:
    """An organisation's public profile, at its id; a school's lists the key its credentials' proofs are made with
    (as a Controlled Identifier document's verification method)."""
    document: dict[str, Any] = {"@context": [VC_CONTEXT, OB_CONTEXT], **profile(party, party.url)}
    if key is not None:
        method = verification_method(party.url, key)
        document["@context"].append(CID_CONTEXT)
        document["verificationMethod"] = [method]
        document["assertionMethod"] = [method["id"]]
    return document


def _level_id(credential_id: str, line: CompetenceLine, level: int) -> str:
    return f"{credential_id}#{line.framework}-{line.competence_id}-level-{level}"


def _result_description(credential_id: str, line: CompetenceLine) -> dict[str, Any]:
    return {
        "id": f"{credential_id}#{line.framework}-{line.competence_id}",
        "type": ["ResultDescription"],
        "name": f"{line.framework_name} {line.framework_version} {line.competence_id} proficiency level"
        + (" (additionally acquired, beyond the agreed plan)" if line.additional else ""),
        "resultType": "RubricCriterionLevel",
        "requiredLevel": _level_id(credential_id, line, line.target_level),
        "rubricCriterionLevel": [
            {
                "id": _level_id(credential_id, line, number),
                "type": ["RubricCriterionLevel"],
                "name": f"{number} {names.get('en', '')}".strip(),
                "level": str(number),
            }
            for number, names in line.levels
        ],
    }


def _module_description(credential_id: str, line: RecognitionLine) -> dict[str, Any]:
    """The sending school's recognition of a competence in a module of the learner's VET programme."""
    credit = ", ".join(
        part
        for part in (
            f"{line.hours} hours" if line.hours is not None else "",
            f"{line.credits:g} credit points" if line.credits is not None else "",
        )
        if part
    )
    name = line.module_name.get("en") or next(iter(line.module_name.values()), "")
    return {
        "id": f"{credential_id}#module-{line.module_code}",
        "type": ["ResultDescription"],
        "name": f"Recognised in the programme: {line.module_code} {name}" + (f" ({credit})" if credit else ""),
        "resultType": "LetterGrade",
    }


def _alignment(line: CompetenceLine) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": f"{line.competence_id} {line.competence_title.get('en', '')}".strip(),
        "targetDescription": f"DigComp area {line.area_id} {line.area_title.get('en', '')}".strip(),
        "targetFramework": f"{line.framework_name} {line.framework_version}",
        "targetCode": line.competence_id,
        "targetUrl": f"{line.framework_url or 'https://joint-research-centre.ec.europa.eu/digcomp_en'}#{line.competence_id}",
    }


def build_credential(statement: Statement, public_url: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    credential_id = f"{base}/api/v1/certificates/{statement.certificate_id}/credential"
    achieved = [line for line in statement.competences if line.status == "achieved" and line.achieved_level]
    names = ", ".join(f"{line.competence_id} {line.competence_title.get('en', '')}" for line in achieved)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Digital competences acquired during a learner mobility (DigComp)",
        "description": (
            f"{statement.holder.full_name} completed a mobility at {statement.host.name} "
            f"({statement.start_date.isoformat()} – {statement.end_date.isoformat()}) and was assessed and "
            f"validated in these DigComp competences: {names}."
        ),
        "issuer": profile(statement.issuer, statement.issuer.url),
        "validFrom": statement.issued_at.isoformat(timespec="seconds"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": statement.holder_identity_hash,
                    "identityType": "emailAddress",
                    "salt": statement.certificate_id,
                }
            ],
            # date-times, as the AchievementCredential schema requires: from the first day's start to the last's end
            "activityStartDate": f"{statement.start_date.isoformat()}T00:00:00Z",
            "activityEndDate": f"{statement.end_date.isoformat()}T23:59:59Z",
            "source": profile(statement.host, statement.host.url),
            "achievement": {
                "id": f"{credential_id}#achievement",
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": "DigComp digital competences in a learner mobility",
                "description": (
                    "Digital competences of the European Digital Competence Framework (DigComp), planned as learning "
                    "outcomes before the mobility, assessed by the host mentor and validated by the sending school."
                ),
                "criteria": {
                    "narrative": (
                        "Outcomes agreed in advance by the sending school, the host mentor and the learner; evidence "
                        "documented during the placement; levels assessed against the agreed criteria and the DigComp "
                        "level descriptors; result validated by the sending school (Cedefop validation stages)."
                    )
                },
                "alignment": [_alignment(line) for line in achieved],
                "resultDescription": [
                    *(_result_description(credential_id, line) for line in achieved),
                    *(_module_description(credential_id, line) for line in statement.recognition),
                ],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": f"{credential_id}#{line.framework}-{line.competence_id}",
                    "achievedLevel": _level_id(credential_id, line, line.achieved_level or 0),
                    "status": "Completed",
                }
                for line in achieved
            ]
            + [
                {
                    "type": ["Result"],
                    "resultDescription": f"{credential_id}#module-{line.module_code}",
                    "value": line.grade,
                }
                for line in statement.recognition
            ],
        },
        **({"credentialStatus": statement.status.credential_status()} if statement.status else {}),
    }


@cache
def _contexts() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Top-level term definitions of both contexts, and the type-scoped contexts by type name."""
    top: dict[str, Any] = {}
    scoped: dict[str, dict[str, Any]] = {}
    for url in (VC_CONTEXT, OB_CONTEXT):
        context = contexts.context(url)["@context"]
        for term, definition in context.items():
            if term.startswith("@"):
                continue
            top[term] = definition
            if isinstance(definition, dict) and isinstance(definition.get("@context"), dict):
                scoped[term] = {k: v for k, v in definition["@context"].items() if not k.startswith("@")}
    return top, scoped


def validate_credential(credential: dict[str, Any]) -> list[str]:
    """Problems with the credential, judged by the published VC 2.0 and OB 3.0.3 JSON-LD contexts (empty = valid).

    Every property of every node must be a term defined for that node: by the top-level definitions of the two
    contexts or by the type-scoped context of the node's own type (type-scoped contexts do not propagate to
    nested nodes, as in JSON-LD 1.1). An undefined property would silently fall into the VC context's
    issuer-dependent vocabulary — the mistake this check exists to catch.
    """
    problems = []
    if credential.get("@context") != [VC_CONTEXT, OB_CONTEXT]:
        return [f"@context must be [{VC_CONTEXT}, {OB_CONTEXT}]"]
    types = credential.get("type", [])
    if "VerifiableCredential" not in types or "OpenBadgeCredential" not in types:
        problems.append("type must contain VerifiableCredential and OpenBadgeCredential")
    for required in ("id", "issuer", "validFrom", "credentialSubject", "name"):
        if required not in credential:
            problems.append(f"{required} is missing")
    achievement = credential.get("credentialSubject", {}).get("achievement", {})
    for index, alignment in enumerate(achievement.get("alignment", [])):
        for required in ("targetName", "targetUrl"):
            if required not in alignment:
                problems.append(f"achievement.alignment[{index}].{required} is missing")
    top, scoped = _contexts()
    problems += _undefined_terms(credential, "", top, scoped)
    return problems


def _undefined_terms(node: Any, path: str, top: dict[str, Any], scoped: dict[str, dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            problems += _undefined_terms(item, f"{path}[{index}]", top, scoped)
        return problems
    if not isinstance(node, dict):
        return problems
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    active = dict(top)
    for type_name in types:
        active.update(scoped.get(type_name, {}))
    for key, value in node.items():
        where = f"{path}.{key}" if path else key
        if key.startswith("@"):
            continue
        if key not in active:
            problems.append(f"'{where}' is not a term of the Open Badges 3.0.3 or VC 2.0 contexts")
        problems += _undefined_terms(value, where, top, scoped)
    return problems

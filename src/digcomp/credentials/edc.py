"""The statement as a European Digital Credential (Europass, European Learning Model 3.2), as EBSI's "Europass EDC
credential" JSON Schema defines it: the learner (credentialSubject, a Person) holds one learning achievement —
DigComp competences acquired in a mobility — awarded by the sending school; each achieved competence is a learning
outcome (with the DigComp competence as its related skill) proven by an assessment whose grade is the achieved
level; the mobility is the learning activity that influenced it. Texts are in every language of the statement.

The European Digital Credentials wallet shows a credential from its display images: one per language, drawn here
from the same facts with the statement's fonts. Sealing (JAdES with an eIDAS seal) happens outside digcomp.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import textwrap
from functools import cache
from typing import Any

import pycountry
from PIL import Image, ImageDraw, ImageFont

from digcomp.credentials.statement import Bilingual, CompetenceLine, Party, Statement
from digcomp.credentials.template import Template

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
# The schemas the EDC is validated against, as EBSI's examples name them: ELM's SHACL shapes for a generic
# credential, and the Europass EDC JSON Schema in EBSI's Trusted Schemas Registry.
CREDENTIAL_SCHEMAS = [
    {"id": "http://data.europa.eu/snb/model/ap/edc-generic-full", "type": "ShaclValidator2017"},
    {
        "id": "https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/"
        "0x7ff3bc76bd5e37b3d29721b8698646a722a24a4f4ab0a0ba63d4bbbe0ef9758d",
        "type": "JsonSchema",
    },
]
GENERIC_PROFILE = "http://data.europa.eu/snb/credential/e34929035b"  # EDC credential profile "Generic"
AUTHORITY = "http://publications.europa.eu/resource/authority"
# Concepts of the EU's controlled vocabularies (EU Vocabularies, op.europa.eu, "snb" concept schemes used by ELM).
EQF_SCHEME = "http://data.europa.eu/snb/eqf/25831c2"
NON_FORMAL_LEARNING = ("learning-setting", "e207a81fc7", "non-formal learning")
WORK_BASED = ("learning-assessment", "729f3bed4b", "Workbased")  # mode of learning and assessment
PRESENTIAL = ("learning-assessment", "9191af2ed9", "Presential")
INTERNSHIP = ("learning-activity", "bf5588ff84", "internship")  # learning activity type
PRACTICAL_ASSESSMENT = ("assessment", "6a4db9f11d", "practical assessment")  # assessment type
PORTFOLIO = ("assessment", "4f03b91c0e", "portfolio")
BASE64 = {
    "id": "http://data.europa.eu/snb/encoding/6146cde7dd",
    "type": "Concept",
    "inScheme": {"id": "http://data.europa.eu/snb/encoding/25831c2", "type": "ConceptScheme"},
    "prefLabel": {"en": ["base64"]},
}


def _texts(texts: Bilingual, languages: list[str]) -> dict[str, list[str]]:
    """A multilingual ELM string: each language of the statement that has a text."""
    return {language: [texts[language]] for language in languages if texts.get(language)}


def _concept(scheme: str, code: str, labels: dict[str, list[str]], notation: str) -> dict[str, Any]:
    return {
        "id": f"{AUTHORITY}/{scheme}/{code}",
        "type": "Concept",
        "inScheme": {"id": f"{AUTHORITY}/{scheme}", "type": "ConceptScheme"},
        "prefLabel": labels,
        "notation": notation,
    }


def _eu_concept(concept: tuple[str, str, str]) -> dict[str, Any]:
    scheme, code, label = concept
    return {
        "id": f"http://data.europa.eu/snb/{scheme}/{code}",
        "type": "Concept",
        "inScheme": {"id": f"http://data.europa.eu/snb/{scheme}/25831c2", "type": "ConceptScheme"},
        "prefLabel": {"en": [label]},
    }


def _eqf(level: int) -> dict[str, Any]:
    return {
        "id": f"http://data.europa.eu/snb/eqf/{level}",
        "type": "Concept",
        "inScheme": {"id": EQF_SCHEME, "type": "ConceptScheme"},
        "prefLabel": {"en": [f"Level {level}"]},
    }


def _notes(ident: str, template: Template, statement: Statement, languages: list[str]) -> list[dict[str, Any]]:
    """The micro-credential elements ELM has no field for: credit points and the quality assurance statement."""
    notes = []
    _, credits = statement.recognised_workload()
    if credits is not None:
        notes.append(
            (
                "credits",
                {lang: [template.label("edc_credit_points", lang).format(count=f"{credits:g}")] for lang in languages},
            )
        )
    if statement.quality_assurance:
        notes.append(
            (
                "quality-assurance",
                {
                    lang: [f"{template.label('edc_quality_assurance', lang)}: {statement.quality_assurance}"]
                    for lang in languages
                },
            )
        )
    return [{"id": f"{ident}#note-{name}", "type": "Note", "noteLiteral": text} for name, text in notes]


def _micro_credential(ident: str, template: Template, statement: Statement, languages: list[str]) -> dict[str, Any]:
    """EQF level, workload, learning setting and mode, quality assurance — the EU micro-credential elements."""
    elements: dict[str, Any] = {
        "learningSetting": _eu_concept(NON_FORMAL_LEARNING),
        "mode": [_eu_concept(WORK_BASED), _eu_concept(PRESENTIAL)],
    }
    if statement.eqf_level:
        elements["educationLevel"] = [_eqf(statement.eqf_level)]
    hours, _ = statement.recognised_workload()
    if hours:
        elements["volumeOfLearning"] = f"PT{hours}H"
    notes = _notes(ident, template, statement, languages)
    if notes:
        elements["additionalNote"] = notes
    return elements


def _country(party: Party, languages: list[str]) -> dict[str, Any]:
    country = pycountry.countries.get(alpha_2=party.country_code)
    code = country.alpha_3 if country else party.country_code
    return _concept("country", code, _texts(party.country, languages), "country")


def _language(code: str) -> dict[str, Any]:
    language = pycountry.languages.get(alpha_2=code)
    name = language.name if language else code
    return _concept("language", (language.alpha_3 if language else code).upper(), {"en": [name]}, "language")


def _organisation(party: Party, languages: list[str]) -> dict[str, Any]:
    address: dict[str, Any] = {
        "id": f"{party.url}#address",
        "type": "Address",
        "countryCode": _country(party, languages),
    }
    if party.address:
        address["fullAddress"] = {
            "id": f"{party.url}#full-address",
            "type": "Note",
            "noteLiteral": {languages[0]: [party.address]},
        }
    return {
        "id": party.url,
        "type": "Organisation",
        "legalName": {languages[0]: [party.name]},
        "location": [{"id": f"{party.url}#location", "type": "Location", "address": [address]}],
    }


def _skill(line: CompetenceLine, languages: list[str]) -> dict[str, Any]:
    """The DigComp competence as a concept of the framework's scheme."""
    scheme = line.framework_url or "https://joint-research-centre.ec.europa.eu/digcomp_en"
    titles = {language: [f"{line.competence_id} {title}"] for language, title in line.competence_title.items()}
    return {
        "id": f"{scheme}#{line.competence_id}",
        "type": "Concept",
        "inScheme": {"id": scheme, "type": "ConceptScheme"},
        "prefLabel": {language: titles[language] for language in languages if language in titles},
        "notation": line.competence_id,
    }


def _label(template: Template, key: str, languages: list[str], **values: Any) -> dict[str, list[str]]:
    return {language: [template.label(key, language).format(**values)] for language in languages}


def _level(line: CompetenceLine, languages: list[str]) -> dict[str, list[str]]:
    return {
        language: [f"{line.achieved_level} {line.achieved_level_name.get(language, '')}".strip()]
        for language in languages
    }


def _assessment(
    template: Template, ident: str, line: CompetenceLine, awarding: dict[str, Any], issued: str, languages: list[str]
) -> dict[str, Any]:
    """The assessment that proves a competence; its grade is the achieved DigComp level."""
    code = line.competence_id
    return {
        "id": f"{ident}#assessment-{code}",
        "type": "LearningAssessment",
        "title": {
            language: [
                f"{code} {line.competence_title.get(language, '')} — {template.label('achieved_level', language)}"
            ]
            for language in languages
        },
        "dcType": [_eu_concept(PRACTICAL_ASSESSMENT), _eu_concept(PORTFOLIO)],
        "grade": {"id": f"{ident}#grade-{code}", "type": "Note", "noteLiteral": _level(line, languages)},
        "awardedBy": awarding,
        "dateIssued": issued,
        "specifiedBy": {
            "id": f"{ident}#assessment-specification-{code}",
            "type": "LearningAssessmentSpecification",
            "title": {
                language: [
                    f"{line.framework_name} {line.framework_version} {code}, "
                    f"{template.label('level_descriptor', language).lower()}"
                ]
                for language in languages
            },
        },
    }


def _display(statement: Statement, template: Template, ident: str, language: str) -> dict[str, Any]:
    """How a wallet shows the credential in one language: one page, a JPEG image."""
    return {
        "id": f"{ident}#display-{language}",
        "type": "IndividualDisplay",
        "language": _language(language),
        "displayDetail": [
            {
                "id": f"{ident}#display-{language}-page-1",
                "type": "DisplayDetail",
                "image": {
                    "id": f"{ident}#display-{language}-image",
                    "type": "MediaObject",
                    "content": base64.b64encode(display_image(statement, template, language)).decode(),
                    "contentType": _concept("file-type", "JPEG", {"en": ["JPEG"]}, "file-type"),
                    "contentEncoding": BASE64,
                },
                "page": 1,
            }
        ],
    }


def build_edc(statement: Statement, template: Template, public_url: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    ident = f"{base}/api/v1/certificates/{statement.certificate_id}/edc"
    languages = statement.languages
    school = _organisation(statement.issuer, languages)
    issued = statement.issued_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    awarding = {"id": f"{ident}#awarding", "type": "AwardingProcess", "awardingBody": [school], "awardingDate": issued}
    achieved = [line for line in statement.competences if line.status == "achieved" and line.achieved_level]
    outcomes = [
        {
            "id": f"{ident}#outcome-{line.competence_id}",
            "type": "LearningOutcome",
            "title": _texts(line.outcome_text, languages) or _texts(line.competence_title, languages),
            "relatedSkill": [_skill(line, languages)],
        }
        for line in achieved
    ]
    assessments = [_assessment(template, ident, line, awarding, issued, languages) for line in achieved]
    host = _organisation(statement.host, languages)
    activity = {
        "id": f"{ident}#mobility",
        "type": "LearningActivity",
        "dcType": [_eu_concept(INTERNSHIP)],
        "title": _texts(statement.objective, languages) or _label(template, "section_mobility", languages),
        "description": _texts(statement.tasks, languages) or _label(template, "section_tasks", languages),
        "temporal": [
            {
                "id": f"{ident}#mobility-period",
                "type": "PeriodOfTime",
                "startDate": f"{statement.start_date.isoformat()}T00:00:00Z",
                "endDate": f"{statement.end_date.isoformat()}T23:59:59Z",
            }
        ],
        "location": host["location"],
        "directedBy": [host],
        "awardedBy": awarding,
    }
    holder = statement.holder
    primary = languages[0]
    return {
        "@context": [VC_CONTEXT, EDC_CONTEXT],
        "id": ident,
        "type": ["VerifiableCredential", "VerifiableAttestation", "EuropeanDigitalCredential"],
        "credentialSchema": CREDENTIAL_SCHEMAS,
        "credentialProfiles": [
            {
                "id": GENERIC_PROFILE,
                "type": "Concept",
                "inScheme": {"id": "http://data.europa.eu/snb/credential/25831c2", "type": "ConceptScheme"},
                "prefLabel": {"en": ["Generic"]},
            }
        ],
        "issuer": school,
        "issued": issued,
        "validFrom": issued,
        "credentialSubject": {
            "type": "Person",
            "givenName": {primary: [holder.given_name]},
            "familyName": {primary: [holder.family_name]},
            "fullName": {primary: [holder.full_name]},
            "hasClaim": [
                {
                    "id": f"{ident}#achievement",
                    "type": "LearningAchievement",
                    "title": _label(template, "title", languages),
                    "description": _label(template, "subtitle", languages),
                    "awardedBy": awarding,
                    "specifiedBy": {
                        "id": f"{ident}#achievement-specification",
                        "type": "LearningAchievementSpecification",
                        "title": _label(template, "section_skills", languages),
                        "learningOutcome": outcomes,
                        **_micro_credential(ident, template, statement, languages),
                    },
                    "provenBy": assessments,
                    "influencedBy": [activity],
                }
            ],
        },
        "evidence": [
            {
                "id": f"{ident}#evidence",
                "type": "Evidence",
                "evidenceStatement": " ".join(
                    template.label("validation_process", language).strip() for language in languages
                ),
            }
        ],
        "displayParameter": {
            "id": f"{ident}#display",
            "type": "DisplayParameter",
            "title": _label(template, "title", languages),
            "language": [_language(language) for language in languages],
            "primaryLanguage": _language(primary),
            "individualDisplay": [_display(statement, template, ident, language) for language in languages],
        },
        **({"credentialStatus": statement.status.elm_status()} if statement.status else {}),
    }


# --- the wallet's picture of the credential --------------------------------------------------------------------

WIDTH, HEIGHT, MARGIN = 1000, 1414, 70  # A4 proportions


def _font(template: Template, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return _truetype(str(template.folder / template.layout["fonts"]["bold" if bold else "regular"]), size)


@cache
def _truetype(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _unnumbered(heading: str) -> str:
    """A section heading of the PDF ("5. Digital competences …") without the PDF's section number."""
    return re.sub(r"^\d+\.\s*", "", heading)


def display_image(statement: Statement, template: Template, language: str) -> bytes:
    """One page in one language: title, holder, issuer, mobility, and each achieved competence with its level."""
    image = Image.new("L", (WIDTH, HEIGHT), 255)  # greyscale: a third of the work of colour, for black text
    draw = ImageDraw.Draw(image)
    y = MARGIN

    def line(text: str, size: int = 24, bold: bool = False, gap: int = 10, wrap: int = 70) -> None:
        nonlocal y
        for part in textwrap.wrap(text, wrap) or [""]:
            draw.text((MARGIN, y), part, font=_font(template, bold, size), fill=32)
            y += size + 6
        y += gap

    line(template.label("title", language), 36, bold=True, wrap=44)
    line(template.label("subtitle", language), 22, gap=30)
    line(f"{_unnumbered(template.label('section_holder', language))}: {statement.holder.full_name}", 28, bold=True)
    line(f"{template.label('issuer', language)}: {statement.issuer.name}")
    line(f"{template.label('host_partner', language)}: {statement.host.name}")
    period = f"{statement.start_date.isoformat()} – {statement.end_date.isoformat()}"
    line(f"{template.label('duration', language)}: {period}")
    line(f"{template.label('certificate_id', language)}: {statement.certificate_id}", gap=30)
    line(_unnumbered(template.label("section_skills", language)), 28, bold=True)
    for competence in statement.competences:
        if competence.status != "achieved" or not competence.achieved_level:
            continue
        title = f"{competence.competence_id} {competence.competence_title.get(language, '')}"
        line(title, 24, bold=True, gap=2, wrap=66)
        level = competence.achieved_level_name.get(language, "")
        line(f"{template.label('achieved_level', language)}: {competence.achieved_level} {level}", 22)
    y = max(y, HEIGHT - MARGIN - 60)
    line(template.label("not_europass", language), 16, wrap=90)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()

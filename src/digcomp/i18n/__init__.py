"""Languages: texts held per language, names of languages and countries, dates in the reader's format, and
the catalogue that puts domain messages into the page's language.

Names and date formats come from the Unicode CLDR through Babel; the domain's messages are English templates
(see ``digcomp.errors``) with their translations in ``messages.<language>.yaml`` beside this file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from digcomp.errors import InvalidValue, LanguageName, Phrase, Term, fill
from digcomp.resources import read_yaml

HERE = Path(__file__).parent
# The one list of languages. Adding one (Estonian, say): its code in HOST_LANGUAGES, and its label files —
# web/labels/et.yaml, mail/labels/et.yaml and certificates/labels/et.yaml (the tests name any key they lack).
UI_LANGUAGES = ("lv", "en")  # every page, the school's staff's included
HOST_LANGUAGES = ("it", "es", "de", "fr", "pt", "pl")  # the pages people abroad use, their e-mails, documents
PUBLIC_LANGUAGES = (*UI_LANGUAGES, *HOST_LANGUAGES)  # mentors', employers' and visitors' pages
DOCUMENT_LANGUAGES = PUBLIC_LANGUAGES  # the statement and the learning agreement have labels in these
MAIL_LANGUAGES = PUBLIC_LANGUAGES  # e-mails to people
EU_LANGUAGES = (
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "fi",
    "fr",
    "ga",
    "hr",
    "hu",
    "it",
    "lt",
    "lv",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "sv",
    "no",
    "is",
    "tr",
    "uk",
    "sr",
    "mk",
    "sq",
)  # languages a plan's texts and a mentor's reading may be in
# English as written in the EU (day before month); Portuguese as in Portugal
_LOCALES = {"lv": "lv_LV", "en": "en_IE", "pt": "pt_PT"}
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"  # pseudo-translation markers (see ``Localizer(pseudo=True)``)

Texts = dict[str, str]  # language code -> text; a record's words in every language they were written in


@cache
def locale(language: str) -> Locale:
    return Locale.parse(_LOCALES.get(language, language))


@cache
def language_codes() -> list[str]:
    """Every two-letter ISO 639-1 code CLDR knows: what ``language_code`` accepts (in lower case)."""
    return sorted(code for code in map(str, locale("en").languages) if len(code) == 2 and code.isalpha())


@cache
def territory_codes() -> list[str]:
    """Every two-letter code ``country_code`` accepts (in upper case)."""
    return sorted(code for code in map(str, locale("en").territories) if len(code) == 2 and code.isalpha())


def language_code(code: str) -> str:
    """A two-letter ISO 639-1 code that CLDR knows, lower-cased; raises ``InvalidValue`` otherwise."""
    code = str(code).strip().lower()
    if len(code) != 2 or not code.isalpha() or code not in locale("en").languages:
        raise InvalidValue("'{code}' is not a two-letter language code (e.g. lv, en, it)", code=code)
    return code


def country_code(code: str) -> str:
    code = str(code).strip().upper()
    if len(code) != 2 or code not in locale("en").territories:
        raise InvalidValue("'{code}' is not a two-letter country code (e.g. LV, ES, IT)", code=code)
    return code


def country_from_name(value: object) -> object:
    """A country as people write it in a spreadsheet — ``LV``, ``LVA``, ``Latvia``, ``Latvija``, ``Spānija``,
    ``España`` — as its two-letter code; anything else is left for ``country_code`` to refuse."""
    if not isinstance(value, str) or len(value.strip()) <= 2:
        return value
    return _countries_by_name().get(_folded(value), value)


def _folded(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text.strip().casefold()).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.replace("-", " ").split())


@cache
def _countries_by_name() -> dict[str, str]:
    import pycountry

    names: dict[str, str] = {}
    codes = country_codes()
    for country in pycountry.countries:
        if country.alpha_2 in codes:
            names[_folded(country.alpha_3)] = country.alpha_2
    for language in (*UI_LANGUAGES, *HOST_LANGUAGES):
        territories = locale(language).territories
        for code in codes:
            if code in territories:
                names[_folded(str(territories[code]))] = code
    return names


def choose(
    chosen: str | None, recorded: str | None, accept_language: str, available: Iterable[str] = PUBLIC_LANGUAGES
) -> str:
    """The language a page is shown in: the person's explicit choice (the language cookie), else the language
    recorded for the person (a mentor's, a learner's), else the browser's ``Accept-Language``, else English.
    Only languages in ``available`` count — a school's staff pages are Latvian or English."""
    available = tuple(available)
    for language in (chosen, recorded):
        if language in available:
            return language
    return negotiate(accept_language, available)


def negotiate(accept_language: str, available: Iterable[str] = PUBLIC_LANGUAGES, default: str = "en") -> str:
    """The first language of a browser's ``Accept-Language`` (by its q-values) that we have — ``lv-LV`` gives
    Latvian, ``fi-FI`` a language we lack, so English. Babel matches the tags."""
    from babel import negotiate_locale

    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.replace("_", "-")))
    preferred = [tag for _, _, tag in sorted(ranked)]
    found = negotiate_locale(preferred, list(available), sep="-")
    return str(found).split("-")[0].split("_")[0] if found else default


def native_name(code: str) -> str:
    """A language's name in itself, as a language menu shows it: "latviešu", "italiano", "Deutsch"."""
    name = str(locale(code).languages.get(code, code))
    return name[:1].upper() + name[1:]


def language_name(code: str, in_language: str) -> str:
    try:
        return str(locale(in_language).languages.get(code, code))
    except UnknownLocaleError:
        return code


def country_name(code: str, in_language: str) -> str:
    try:
        return str(locale(in_language).territories.get(code, code))
    except UnknownLocaleError:
        return code


def country_names(code: str, languages: Iterable[str] = UI_LANGUAGES) -> Texts:
    return {language: country_name(code, language) for language in languages}


def official_language(country: str) -> str:
    """The first official language of a country (CLDR), English when CLDR names none we know."""
    from babel.languages import get_official_languages

    for code in get_official_languages(country):
        if len(code) == 2:
            return str(code)
    return "en"


NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "XK"})


def country_codes() -> list[str]:
    codes = [str(c) for c in locale("en").territories]
    return [c for c in codes if len(c) == 2 and c.isalpha() and c not in NOT_COUNTRIES]


def format_day(value: dt.date | dt.datetime, language: str) -> str:
    return str(format_date(value, "medium", locale=locale(language)))


def clean_texts(value: Any) -> Any:
    """Input shape of a language map: codes checked, blanks stripped and dropped (a blank is no translation)."""
    if not isinstance(value, Mapping):
        return value
    cleaned = {}
    for code, text in value.items():
        if not isinstance(text, str):
            return value  # let the type check say what is wrong
        language = language_code(code)  # a blank text under a code that is no language is still a mistake
        if text.strip():
            cleaned[language] = text.strip()
    return cleaned


def text_in(texts: Mapping[str, str] | None, language: str) -> str:
    """The text in exactly this language, or "" (never another language's words)."""
    return (texts or {}).get(language, "")


def best_text(texts: Mapping[str, str] | None, preferred: Iterable[str]) -> tuple[str, str]:
    """(language, text): the first preferred language the text has, else any; ("", "") for no text."""
    texts = texts or {}
    for language in preferred:
        if texts.get(language):
            return language, texts[language]
    for language, text in texts.items():
        if text:
            return language, text
    return "", ""


def with_corrections(kind: str, language: str, shipped: dict[str, Any]) -> dict[str, Any]:
    """A label file as shipped, with the corrections a school (or whoever runs the service) made without a release:
    ``<labels folder>/<kind>/<language>.yaml`` holding only the keys it changes (see ``Settings.labels_dir``). A
    key the shipped file lacks is refused, so a mistyped key cannot hide."""
    from digcomp.settings import get_settings, labels_folder

    path = labels_folder(get_settings()) / kind / f"{language}.yaml"
    if not path.exists():
        return shipped
    corrections = read_yaml(path) or {}
    if not isinstance(corrections, dict) or not all(isinstance(v, str | dict) for v in corrections.values()):
        raise ValueError(f"{path}: expected label keys with their corrected texts")
    if unknown := set(corrections) - set(shipped):
        raise ValueError(f"{path}: no such labels in the shipped {language} file: {sorted(unknown)}")
    return {**shipped, **corrections}


@cache
def _messages(language: str) -> dict[str, str]:
    path = HERE / f"messages.{language}.yaml"
    if not path.exists():
        return {}
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of English templates to translations")
    return {str(k): str(v) for k, v in data.items()}


class Localizer:
    """Everything a page or a message needs in one language. With ``pseudo`` every translated piece is wrapped
    in markers, so a test can find visible text that did not come from a label file or the catalogue."""

    def __init__(
        self,
        language: str,
        labels: Mapping[str, str] | None = None,
        *,
        fallback: Mapping[str, str] | None = None,
        pseudo: bool = False,
    ) -> None:
        self.language = language
        self.labels = labels or {}
        self.fallback = fallback or {}  # English, for a label a language's file lacks (unmarked: a test finds it)
        self.pseudo = pseudo

    def mark(self, text: str) -> str:
        """Text made in this language from another catalogue (e.g. the mapping's reasons), marked like a label."""
        return f"{MARK_OPEN}{text}{MARK_CLOSE}" if self.pseudo and text else text

    def label(self, key: str, **params: Any) -> str:
        text = self.labels.get(key)
        if text is None:
            fallback = self.fallback.get(key)
            return key if fallback is None else fill(str(fallback), params) if params else str(fallback)
        return self.mark(fill(str(text), params) if params else str(text))

    def has(self, key: str) -> bool:
        return key in self.labels or key in self.fallback

    def message(self, template: str, params: Mapping[str, Any] | None = None) -> str:
        """A domain message (English template) in this language; English where no translation exists."""
        return self.mark(self._render(template, params))

    def _render(self, template: str, params: Mapping[str, Any] | None) -> str:
        translated = _messages(self.language).get(template, template) if self.language != "en" else template
        return fill(translated, {name: self._value(value) for name, value in (params or {}).items()})

    def _value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "; ".join(str(self._value(v)) for v in value)
        if isinstance(value, Phrase):
            return self._render(value.template, value.params)
        if isinstance(value, LanguageName):
            return language_name(str(value), self.language)
        if isinstance(value, Term):
            return self.term(value)
        if isinstance(value, dt.date):
            return format_day(value, self.language)
        return value

    def term(self, word: str) -> str:
        if self.language == "en":
            return word
        return _messages(self.language).get(word, word)

    def error(self, exc: Any) -> str:
        return self.message(getattr(exc, "template", str(exc)), getattr(exc, "params", None))

    def day(self, value: dt.date | dt.datetime | None) -> str:
        return self.mark(format_day(value, self.language)) if value else ""

    def country(self, code: str) -> str:
        return self.mark(country_name(code, self.language))

    def language_name(self, code: str) -> str:
        return self.mark(language_name(code, self.language))

    def country_choices(self) -> list[tuple[str, str]]:
        """Every country as (code, name in this language), sorted by name."""
        return sorted(((c, self.country(c)) for c in country_codes()), key=lambda item: item[1].casefold())

    def language_choices(self, codes: Iterable[str]) -> list[tuple[str, str]]:
        return sorted(((c, self.language_name(c)) for c in codes), key=lambda item: item[1].casefold())

"""Cues in a statement that set the proficiency level: autonomy, complexity, guiding others, innovation.

The cues follow the wording of the DigComp proficiency levels ("with guidance", "on my own", "independently",
"guiding others", "complex contexts", "complex problems", "new ideas to the field") as teachers and mentors
write it, in English and Latvian (and a few cues of other languages). Texts are matched lower-case and without
diacritics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digcomp.mapping.text import fold


@dataclass(frozen=True)
class LevelCue:
    level: int
    pattern: re.Pattern[str]
    meaning: str
    limits_autonomy: bool = False


def _cue(level: int, pattern: str, meaning: str, limits_autonomy: bool = False) -> LevelCue:
    return LevelCue(level, re.compile(pattern), meaning, limits_autonomy)


_HELP = r"(help|guidance|support|assistance|supervision)"
_OTHERS = (
    r"(others|other people|colleagues?|co-?workers?|customers?|clients?|peers?|classmates?|team members?|staff"
    r"|newcomers?|trainees?)"
)
# Latvian people a learner may help or teach, in any case: kolēģi/kolēģus/kolēģiem, citi/citus, klienti/klientus
_OTHERS_LV = r"(koleg\w*|cit(i|us|iem|ie)|klient\w*|jaun\w* darbiniek\w*|darbiniek\w*|praktikant\w*|grupas biedr\w*)"
# "ar digitālu programmu vadību" is program control, not guidance: words of technology between "ar" and the noun
_NOT_TECHNICAL = r"(?!\w*(programm|digital|sistem|dator|elektron|tiessaist))"

CUES: tuple[LevelCue, ...] = (
    # 1-2: guidance; autonomy limited
    _cue(1, rf"\bwith (the |a )?(\w+'s |\w+ ){{0,2}}{_HELP}\b", "works with guidance", True),
    _cue(1, r"\bunder (the )?(\w+ )?(supervision|guidance)\b", "works under supervision", True),
    _cue(
        1,
        r"\b(step[- ]by[- ]step|following (given |the )?instructions|from a (given )?list)\b",
        "follows instructions",
        True,
    ),
    _cue(2, r"\b(where|when|if|as) (needed|necessary|required)\b", "asks for guidance where needed", True),
    _cue(2, rf"\bwith (little|minimal|occasional|some) {_HELP}\b", "needs little guidance", True),
    _cue(1, rf"\bar ({_NOT_TECHNICAL}\w+ ){{0,3}}(palidzib|atbalst|vadib)\w*", "strādā ar palīdzību / vadībā", True),
    _cue(1, r"\b\w+ (vadiba|uzraudziba)\b", "strādā vadībā vai uzraudzībā", True),
    _cue(1, r"\bpec (parauga|instrukcij\w*|noradijum\w*|noradem)\b", "strādā pēc parauga vai norādījumiem", True),
    _cue(
        2,
        r"\b(nepieciesamibas gadijuma|ja (tas ir )?nepieciesams|ar nelielu (palidzibu|atbalstu))\b",
        "palīdzība tikai nepieciešamības gadījumā",
        True,
    ),
    _cue(
        1,
        r"\b(mit (hilfe|anleitung|unterstutzung)|avec (l'?aide|accompagnement)|con (ayuda|apoyo)|con l'aiuto)\b",
        "works with guidance",
        True,
    ),
    _cue(
        1,
        r"\b(unter (aufsicht|anleitung)|sous (la )?supervision|bajo (la )?(supervision|direccion)"
        r"|sotto (la )?(supervisione|guida)|con la guida)\b",
        "works under supervision",
        True,
    ),
    # 3-4: autonomy
    _cue(3, r"\b(on (his|her|their|my|its) own|by (himself|herself|themselves|myself))\b", "works on their own"),
    _cue(3, r"\b(routine|well-defined|straightforward)\b", "routine, well-defined tasks"),
    _cue(3, r"\b(rutinas|ikdienas (darba )?uzdevum\w*|standarta)\b", "rutīnas, ikdienas uzdevumi"),
    _cue(4, r"\b(independently|autonomously|without (help|assistance|supervision|guidance))\b", "works independently"),
    _cue(4, r"\baccording to (his|her|their|my|own|the) (own )?needs\b", "according to own needs"),
    _cue(4, r"\bnon-routine\b", "non-routine problems"),
    _cue(
        4,
        r"\b(patstavigi|neatkarigi|savam vajadzibam|atbilstosi (savam|uznemuma) vajadzibam|nestandarta)\b",
        "patstāvīgi, atbilstoši vajadzībām",
    ),
    _cue(
        4,
        r"\b(selbststandig|selbstandig|eigenstandig|de (maniere|facon) autonome|en autonomie"
        r"|de (forma|manera) autonoma|in autonomia|autonomamente)\b",
        "works independently",
    ),
    # 5-6: guiding others, complex contexts
    _cue(5, rf"\bguid\w* (\w+ ){{0,2}}{_OTHERS}\b", "guides others"),
    _cue(
        5,
        rf"\b(help|show|teach|train|instruct|support|advise|coach|explain \w+ to|demonstrate \w+ to)\w* (a |the )?"
        rf"(new |other )?{_OTHERS}\b",
        "helps or teaches others",
    ),
    _cue(5, rf"\b(explain|demonstrate|show|present)\w* (it |this |them )?to {_OTHERS}\b", "explains to others"),
    _cue(
        5, r"\b(different|various|a variety of) (tasks|situations|contexts|problems)\b", "different tasks and problems"
    ),
    _cue(
        5,
        r"\b(palidz|parad|izskaidro|skaidro|apmac|pamac|ierad|konsulte|instrue|vada)\w* (\w+ )?"
        rf"{_OTHERS_LV}\b",
        "palīdz vai māca citiem",
    ),
    _cue(5, r"\b(dazad\w+ (uzdevum|situacij|konteksto)\w*)\b", "dažādi uzdevumi un situācijas"),
    _cue(
        5,
        r"\b(anderen (helfen|zeigen|erklaren)|anleit\w*|aider (les autres|ses collegues)|guider"
        r"|ayudar a (otros|companeros)|guiar|aiutare (gli altri|i colleghi))\b",
        "helps or guides others",
    ),
    _cue(6, r"\bcomplex (context|situation|task|environment)s?\b", "complex contexts"),
    _cue(6, r"\b(unexpected|unforeseen|unfamiliar) (situation|problem|context)s?\b", "complex contexts"),
    _cue(
        6,
        r"\b(situazioni (complesse|impreviste)|situaciones (complejas|imprevistas)|(komplexen|unvorhergesehenen) "
        r"situationen|situations (complexes|imprevues))\b",
        "complex contexts",
    ),
    _cue(
        6,
        r"\b(most appropriate|critically (assess|evaluat)\w*|adapt\w* to (the needs of )?others)\b",
        "most appropriate choice, critical evaluation",
    ),
    _cue(
        6,
        r"\b(sarezgit\w* (konteksta|situacij\w*|uzdevum\w*|vide)|piemerotak\w*|kritiski (izvert|novert)\w*)\b",
        "sarežģīti konteksti, kritiska izvērtēšana",
    ),
    # 7-8: complex problems, professional practice, new ideas
    _cue(
        7,
        r"\b(complex problems?|limited definition|professional practice|lead\w* (a |the )?(team|others|project)s?)\b",
        "solves complex problems, leads others",
    ),
    _cue(7, r"\bcontribut\w* to (the )?(professional )?(practice|field)\b", "contributes to professional practice"),
    _cue(
        7,
        r"\b(sarezgit\w* problem\w*|profesionalaj\w* prakse|vada komand\w*|vada projekt\w*)\b",
        "sarežģītas problēmas, vada citus",
    ),
    _cue(
        8,
        r"\b(many interacting factors|new (ideas|processes) (to|for|in) the field"
        r"|propos\w* new (ideas|processes|solutions))\b",
        "proposes new ideas to the field",
    ),
    _cue(8, r"\b(jaunas idejas|jaunus procesus|jaunus risinajumus nozare\w*)\b", "piedāvā jaunas idejas nozarē"),
)


@dataclass(frozen=True)
class LevelEstimate:
    level: int | None
    cues: list[tuple[int, str, str]]  # (level, matched words, meaning)


def estimate_level(text: str) -> LevelEstimate:
    """The level the statement's cues point to; ``None`` when it has no cue.

    A cue that limits autonomy ("with guidance") caps the level; otherwise the most demanding cue wins, since
    "independently ... and helps colleagues" describes someone who also guides others.
    """
    folded = fold(text)
    found = []
    for cue in CUES:
        match = cue.pattern.search(folded)
        if match:
            found.append((cue, match.group(0)))
    if not found:
        return LevelEstimate(None, [])
    limiting = [c for c, _ in found if c.limits_autonomy]
    level = min(c.level for c in limiting) if limiting else max(c.level for c, _ in found)
    return LevelEstimate(level, [(c.level, words, c.meaning) for c, words in found])


# The DigComp levels a learner's outcome is usually set at, by the EQF level of the qualification studied: a school
# may change them (DIGCOMP_LEVEL_BANDS). VET qualifications are EQF 2-5; 4 is the usual Latvian VET diploma.
DEFAULT_BANDS: dict[int, tuple[int, int]] = {
    1: (1, 2),
    2: (2, 3),
    3: (2, 3),
    4: (3, 4),
    5: (3, 5),
    6: (4, 6),
    7: (5, 6),
    8: (5, 6),
}
DEFAULT_EQF = 4

# Work that is technically demanding for the band: writing code, automating, configuring systems, data, networks.
# Verbs of programming, not the noun (a "program" or Latvian "programma" is just software), and computer networks,
# not social ones ("sociālie tīkli", "reti sociali" are social media). Matched on the case-folded text, diacritics kept.
TECHNICAL = re.compile(
    r"\b(programming|programmed|programmer\w*|programs?(?= (?:a|an|the|it|its)\b)|script\w*|macro\w*|automat\w*|"
    r"configur\w*|database\w*|network\w*|firmware|algorithm\w*|troubleshoot\w*|cnc|code|coding|"
    r"(?:ie)?programmē\w*|skript\w*|makro\w*|automatiz\w*|konfigur\w*|datubāz\w*|tīkl\w*|algoritm\w*|"
    r"programmier\w*|netzwerk\w*|programmar\w*|programmazion\w*|automatizz\w*|rete|reti|programar|programación)\b"
)
SOCIAL_NETWORKS = re.compile(
    r"\b(?:social\w*|sociāl\w*|soziale?n?)\s+(?:network\w*|tīkl\w*|netzwerk\w*)|\b(?:reti|rete|redes?)\s+social\w*"
)


def technical_word(text: str) -> str:
    """The word that makes a statement's work technically demanding, or ""."""
    found = TECHNICAL.search(SOCIAL_NETWORKS.sub(" ", text.casefold()))
    return found.group(0) if found else ""


@dataclass(frozen=True)
class LevelChoice:
    level: int
    reason: str  # "cues" | "band" | "band_technical"
    band: tuple[int, int]
    cues: list[tuple[int, str, str]]
    technical: str = ""  # the technical word that raised the level


def choose_level(text: str, band: tuple[int, int], top: int = 8) -> LevelChoice:
    """Explicit cues decide; otherwise the lower end of the qualification's band, one more for technically demanding
    work (never above the band). Levels 7-8 only ever come from an explicit cue."""
    estimate = estimate_level(text)
    if estimate.level is not None:
        return LevelChoice(min(estimate.level, top), "cues", band, estimate.cues)
    low, high = band
    technical = technical_word(text)
    if technical and low < high:
        return LevelChoice(min(low + 1, high, 6, top), "band_technical", band, [], technical)
    return LevelChoice(min(low, 6, top), "band", band, [])

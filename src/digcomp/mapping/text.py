"""Text handling for mapping: language detection, tokens, lemmas, folding. No I/O beyond simplemma's data."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import simplemma

# Languages whose function words we know; the mapping works in English and Latvian and translates key terms
# of the others through the lexicon.
SUPPORTED_LANGUAGES = ("en", "lv", "de", "fr", "es", "it", "lt", "et", "pl", "nl", "pt", "fi", "sv")

_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+[a-z]*", re.UNICODE)

# Short, frequent words that identify a language in a sentence or two of a learning outcome.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "to",
            "in",
            "for",
            "with",
            "a",
            "an",
            "is",
            "are",
            "be",
            "on",
            "by",
            "using",
            "use",
            "can",
            "will",
            "their",
            "his",
            "her",
            "they",
        ]
    ),
    "lv": frozenset(
        [
            "un",
            "ar",
            "par",
            "no",
            "uz",
            "kā",
            "ka",
            "lai",
            "vai",
            "tiek",
            "ir",
            "savā",
            "savus",
            "savas",
            "izmantojot",
            "prot",
            "spēj",
            "izglītojamais",
            "atbilstoši",
            "darba",
            "uzņēmuma",
            "pēc",
            "kas",
        ]
    ),
    "de": frozenset(
        [
            "und",
            "der",
            "die",
            "das",
            "mit",
            "für",
            "von",
            "zu",
            "ist",
            "ein",
            "eine",
            "den",
            "dem",
            "des",
            "im",
            "sich",
            "auf",
            "werden",
            "kann",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "des",
            "du",
            "un",
            "une",
            "pour",
            "avec",
            "est",
            "dans",
            "sur",
            "au",
            "aux",
            "en",
            "son",
            "ses",
            "qui",
            "peut",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "de",
            "del",
            "con",
            "para",
            "por",
            "en",
            "un",
            "una",
            "es",
            "su",
            "sus",
            "que",
            "puede",
            "al",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "gli",
            "le",
            "e",
            "di",
            "del",
            "della",
            "con",
            "per",
            "in",
            "un",
            "una",
            "è",
            "suo",
            "sua",
            "che",
            "può",
            "degli",
        ]
    ),
    "lt": frozenset(
        ["ir", "su", "be", "iš", "į", "apie", "kad", "ar", "naudojant", "gali", "savo", "darbo", "yra", "bei", "jo"]
    ),
    "et": frozenset(["ja", "on", "ning", "kasutades", "oma", "abil", "kui", "et", "või", "see", "tööd", "mis", "saab"]),
    "pl": frozenset(
        ["i", "w", "z", "na", "do", "dla", "się", "jest", "oraz", "przy", "pomocy", "może", "swoje", "który", "jak"]
    ),
    "nl": frozenset(["de", "het", "een", "en", "van", "voor", "met", "op", "te", "is", "zijn", "in", "kan", "gebruik"]),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "e",
            "de",
            "do",
            "da",
            "com",
            "para",
            "em",
            "um",
            "uma",
            "é",
            "seu",
            "sua",
            "que",
            "pode",
        ]
    ),
    "fi": frozenset(["ja", "on", "sekä", "avulla", "että", "tai", "kuten", "hän", "voi", "käyttää"]),
    "sv": frozenset(["och", "att", "med", "för", "av", "på", "en", "ett", "är", "som", "kan", "sin", "sina", "det"]),
}
_LETTERS: dict[str, str] = {
    "lv": "āēīūčšžģķļņ",
    "lt": "ąęėįųūčšž",
    "pl": "ąęółśżźćń",
    "de": "äöüß",
    "et": "õäöü",
    "fr": "éèêàçùœ",
    "es": "ñáéíóú¿¡",
    "it": "àèéìòù",
    "pt": "ãõçáéíóú",
    "fi": "äö",
    "sv": "åäö",
}


def fold(text: str) -> str:
    """Lower case without diacritics."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_FIXED_EXPRESSIONS = ((re.compile(r"\bup[- ]to[- ]date\b", re.IGNORECASE), "up-to-date"),)


def tokens(text: str) -> list[str]:
    for pattern, replacement in _FIXED_EXPRESSIONS:
        text = pattern.sub(replacement, text)
    return [t.casefold().replace("’", "'") for t in _TOKEN.findall(text)]


def detect_language(text: str) -> str:
    """The most likely language of a short statement ('en' when nothing tells)."""
    words = tokens(text)
    if not words:
        return "en"
    scores: dict[str, float] = {}
    lowered = text.casefold()
    for lang, vocabulary in _FUNCTION_WORDS.items():
        score = sum(1.0 for w in words if w in vocabulary)
        score += 0.6 * sum(lowered.count(ch) for ch in _LETTERS.get(lang, ""))
        scores[lang] = score
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else "en"


@lru_cache(maxsize=200_000)
def text_key(text: str) -> str:
    """The same text whatever its case, accents and spacing: the key under which copies of a sentence meet."""
    return " ".join(fold(text).split())


def lemma(word: str, language: str) -> str:
    if language not in SUPPORTED_LANGUAGES:
        return word
    try:
        found = str(simplemma.lemmatize(word, lang=language)).casefold()
        if "-" in found:  # simplemma gives "e-mails" -> "e-mail" but "e-mail" -> "email": one form for both
            found = str(simplemma.lemmatize(found, lang=language)).casefold()
        return found
    except ValueError:
        return word


ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "etc",
        "e.g",
        "eg",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "able",
        "way",
        "ways",
        "well",
        "one",
        "others",
        "order",
        "use",
        "using",
        "used",
        "via",
        "within",
        "without",
        "able",
        "e",
        "g",
        "ie",
        "i.e",
        "example",
        "learner",
        "learners",
        "student",
        "students",
        "trainee",
        "trainees",
        "apprentice",
        "will",
        "shall",
    ]
)

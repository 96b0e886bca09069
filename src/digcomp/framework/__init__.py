"""Competence frameworks as validated data (DigComp 2.2, DigComp 3.0, or any framework in the same schema)."""

from digcomp.framework.loader import (
    DEFAULT_FRAMEWORK,
    Catalog,
    FrameworkError,
    UnknownCompetence,
    UnknownFramework,
    build_catalog,
    catalog,
    load_framework,
)
from digcomp.framework.models import Competence, Framework, pick

__all__ = [
    "DEFAULT_FRAMEWORK",
    "Catalog",
    "Competence",
    "Framework",
    "FrameworkError",
    "UnknownCompetence",
    "UnknownFramework",
    "build_catalog",
    "catalog",
    "load_framework",
    "pick",
]

"""Mapping free-text learning outcomes onto competences of a framework."""

from digcomp.mapping.suggest import Suggester, Suggestion, suggester

__all__ = ["Suggester", "Suggestion", "suggester"]

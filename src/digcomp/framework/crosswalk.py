"""Crosswalks: how the competences of one framework correspond to those of another."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from digcomp.framework.models import Identifier, LocalizedText


class Relation(StrEnum):
    exact = "exact"
    revised = "revised"
    broader = "broader"
    narrower = "narrower"
    related = "related"


class CrosswalkPair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Identifier
    target: Identifier
    relation: Relation
    changes: list[str] = []
    source_title: str | None = None
    target_title: str | None = None
    note: str = ""


class Crosswalk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Identifier
    target: Identifier
    description: LocalizedText = {}
    pairs: list[CrosswalkPair]

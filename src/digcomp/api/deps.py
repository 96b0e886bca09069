"""Request dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from digcomp.framework import Catalog
from digcomp.settings import Settings
from digcomp.store.db import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


class Paging:
    def __init__(
        self,
        offset: Annotated[int, Query(ge=0, description="How many items to skip")] = 0,
        limit: Annotated[int, Query(ge=1, le=200, description="Page size (at most 200)")] = 50,
    ) -> None:
        self.offset = offset
        self.limit = limit


DatabaseDep = Annotated[Database, Depends(get_database)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
PagingDep = Annotated[Paging, Depends()]

"""Load framework and crosswalk files into validated models, with errors a person can act on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from digcomp.framework.crosswalk import Crosswalk, CrosswalkPair
from digcomp.framework.models import Competence, Framework, IntegrityError
from digcomp.resources import read_yaml, shipped

DEFAULT_FRAMEWORK = "digcomp-2.2"

_M = TypeVar("_M", bound=BaseModel)


class FrameworkError(Exception):
    """A framework or crosswalk file that cannot be used. ``str()`` is one line: file, field path, problem."""

    def __init__(self, file: Path | str, path: str, message: str) -> None:
        self.file = str(file)
        self.path = path
        self.message = message
        super().__init__(f"{self.file}: {path}: {message}" if path else f"{self.file}: {message}")


class UnknownFramework(LookupError):
    def __init__(self, framework_id: str, known: Iterable[str]) -> None:
        super().__init__(f"unknown framework '{framework_id}' (known: {', '.join(sorted(known))})")


class UnknownCompetence(LookupError):
    def __init__(self, framework_id: str, competence_id: str) -> None:
        super().__init__(f"unknown competence '{competence_id}' in framework '{framework_id}'")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = read_yaml(path)
    except OSError as exc:
        raise FrameworkError(path, "", f"cannot read file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise FrameworkError(path, "", "file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrameworkError(path, where, f"invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise FrameworkError(path, "", "expected a mapping at the top of the file")
    return data


def _format_loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validate(model: type[_M], data: dict[str, Any], path: Path) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, IntegrityError):
            raise FrameworkError(path, cause.path, cause.message) from None
        loc = _format_loc(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "extra_forbidden":
            message = "unknown field (not in the framework schema)"
        elif "input" in error and error["type"] not in ("missing",):
            message += f" (got {error['input']!r:.60})"
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        raise FrameworkError(path, loc, message + more) from None


def load_framework(path: Path) -> Framework:
    return _validate(Framework, _read_yaml(path), path)


def load_crosswalk(path: Path) -> Crosswalk:
    return _validate(Crosswalk, _read_yaml(path), path)


@dataclass(frozen=True)
class Catalog:
    """All frameworks and crosswalks known to this process."""

    frameworks: dict[str, Framework]
    crosswalks: list[Crosswalk] = field(default_factory=list)

    def get(self, framework_id: str | None = None) -> Framework:
        framework_id = framework_id or DEFAULT_FRAMEWORK
        try:
            return self.frameworks[framework_id]
        except KeyError:
            raise UnknownFramework(framework_id, self.frameworks) from None

    def competence(self, framework_id: str | None, competence_id: str) -> Competence:
        framework = self.get(framework_id)
        try:
            return framework.competence_by_id[competence_id]
        except KeyError:
            raise UnknownCompetence(framework.id, competence_id) from None

    def counterparts(self, framework_id: str, competence_id: str) -> list[Counterpart]:
        """Competences of other frameworks that correspond to this one, with the crosswalk pair saying how."""
        found = []
        for walk in self.crosswalks:
            for pair in walk.pairs:
                if walk.source == framework_id and pair.source == competence_id:
                    found.append(Counterpart(walk.target, pair.target, pair))
                elif walk.target == framework_id and pair.target == competence_id:
                    found.append(Counterpart(walk.source, pair.source, pair))
        return found


class Counterpart(NamedTuple):
    framework: str
    competence: str
    pair: CrosswalkPair


def build_catalog(directories: Sequence[Path]) -> Catalog:
    frameworks: dict[str, Framework] = {}
    origin: dict[str, Path] = {}
    crosswalk_files: list[Path] = []
    for directory in directories:
        if not directory.is_dir():
            raise FrameworkError(directory, "", "framework folder does not exist")
        for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
            framework = load_framework(path)
            if framework.id in frameworks:
                raise FrameworkError(
                    path, "id", f"framework '{framework.id}' is also defined in {origin[framework.id]}"
                )
            frameworks[framework.id] = framework
            origin[framework.id] = path
        crosswalk_files += sorted((directory / "crosswalks").glob("*.yaml"))
    crosswalks = [_checked_crosswalk(path, frameworks) for path in crosswalk_files]
    return Catalog(frameworks=frameworks, crosswalks=crosswalks)


def _checked_crosswalk(path: Path, frameworks: dict[str, Framework]) -> Crosswalk:
    walk = load_crosswalk(path)
    for end, framework_id in (("source", walk.source), ("target", walk.target)):
        if framework_id not in frameworks:
            raise FrameworkError(path, end, f"unknown framework '{framework_id}'")
    source, target = frameworks[walk.source], frameworks[walk.target]
    for i, pair in enumerate(walk.pairs):
        if pair.source not in source.competence_by_id:
            raise FrameworkError(path, f"pairs[{i}].source", f"unknown competence '{pair.source}' in {source.id}")
        if pair.target not in target.competence_by_id:
            raise FrameworkError(path, f"pairs[{i}].target", f"unknown competence '{pair.target}' in {target.id}")
    return walk


def framework_directories(extra: Sequence[Path] = ()) -> tuple[Path, ...]:
    return (shipped("frameworks"), *extra)


@lru_cache(maxsize=8)
def _cached_catalog(directories: tuple[Path, ...]) -> Catalog:
    return build_catalog(directories)


def catalog(extra: Sequence[Path] | None = None) -> Catalog:
    """The process-wide catalog: shipped frameworks plus the configured extra folders (cached)."""
    if extra is None:
        from digcomp.settings import get_settings

        extra = get_settings().framework_dirs
    return _cached_catalog(framework_directories(tuple(Path(p).resolve() for p in extra)))

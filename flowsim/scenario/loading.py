"""Reading scenario files: `extends` chains, deep merges and errors that name the file and field.

A variant names its parent with `extends: baseline.yaml` and writes only what
it changes; the two are deep-merged (mappings merge, anything else is
replaced). A mistake is reported with the file that set the field, the
field's path and what is allowed.

Files are read only inside the folders a scenario may read (`_Reader`) and
within the limits of `reading.py`; a valid scenario is refused still if its
expected work is beyond the limit of `workload.py`.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from flowsim.scenario.base import FieldError
from flowsim.scenario.reading import read_yaml
from flowsim.scenario.study import Scenario
from flowsim.scenario.workload import check_workload

class ScenarioError(Exception):
    """A scenario file that cannot be run; the message names file, field and what is allowed."""


Settings = TypeVar("Settings", bound=BaseModel)


def read_settings(path: str | Path, model: type[Settings], what: str) -> Settings:
    """Read and check a YAML file of settings (a sweep's grid, a capacity plan); a mistake names the file and field."""
    try:
        raw = read_yaml(Path(path))
    except ValueError as error:  # read within the limits of a scenario file
        raise ScenarioError(f"{path}: {error} (a {what} file)") from None
    try:
        return model.model_validate(raw or {})
    except ValidationError as error:
        problems = [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
        raise ScenarioError("\n".join(problems)) from None


RENAMED_FIELDS = {("costs", "hart_hour"): "reablement_hour"}
"""Fields renamed so that each service has one name everywhere: (section, old key) -> new key."""
RENAMED_CAPACITIES = {"hart_hours_per_month": "reablement_hours_per_month"}
"""Capacity names of `capacity_changes` renamed likewise: old -> new."""


def _renamed(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """`raw` with old names replaced by new ones, each replacement announced with both names."""
    for (section, old), new in RENAMED_FIELDS.items():
        block = raw.get(section)
        if isinstance(block, dict) and old in block:
            warnings.warn(f"{path}: {section}.{old} is now {section}.{new}; the old name still works", FutureWarning, stacklevel=2)
            raw[section] = {(new if key == old else key): value for key, value in block.items()}
    changes = raw.get("capacity_changes")
    for index, change in enumerate(changes if isinstance(changes, list) else ()):
        if isinstance(change, dict) and isinstance(change.get("capacity"), str) and change["capacity"] in RENAMED_CAPACITIES:
            new = RENAMED_CAPACITIES[change["capacity"]]
            warnings.warn(
                f"{path}: capacity_changes.{index}.capacity {change['capacity']} is now {new}; the old name still works",
                FutureWarning,
                stacklevel=2,
            )
            changes[index] = {**change, "capacity": new}
    return raw


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key, except that one with a different `type` (a distribution
    changed from lognormal to mixture, say) replaces the parent's whole; all else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        parent = merged.get(key)
        if isinstance(value, dict) and isinstance(parent, dict) and value.get("type", parent.get("type")) == parent.get("type"):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def nested(key: str, value: Any) -> dict[str, Any]:
    """The mapping a dotted key sets, as a file writes it: nested("wards.general_beds", 600) is
    {"wards": {"general_beds": 600}}."""
    for part in reversed(key.split(".")):
        value = {part: value}
    return value


ALLOWED_FOLDERS_VARIABLE = "FLOWSIM_SCENARIO_FOLDERS"
"""Environment variable naming more folders (separated by the path separator, `:` on Linux) that
scenario files may read from, besides the folder of the file given."""


class _Reader:
    """Reads a scenario's files: its `extends` chain and the data files it names, only inside its folders.

    The folders are the one holding the file given and the working folder
    (flowsim is run from the project, whose variants may extend a baseline
    one folder up: `extends: ../oxfordshire_2017.yaml`; but not when that is
    the root of the file system), each with everything under it, and those
    allowed on purpose. A path that leads elsewhere, by
    `../`, an absolute path or a link, is refused before it is opened.

    A file from elsewhere (an upload to the app) may be read `as_if_in` a
    folder: its `extends` and data files are then resolved against that
    folder, and nothing outside it is read, whatever the working folder.
    """

    def __init__(self, given: Path, allowed: tuple[Path, ...], as_if_in: Path | None = None) -> None:
        self.placed = {given: Path(os.path.realpath(as_if_in))} if as_if_in is not None else {}
        if as_if_in is not None:
            folders: tuple[Path, ...] = (as_if_in,)
        else:
            from_environment = [Path(p) for p in os.environ.get(ALLOWED_FOLDERS_VARIABLE, "").split(os.pathsep) if p]
            working = Path(os.path.realpath(Path.cwd()))
            folders = (given.parent, *([working] if working.parent != working else []), *allowed, *from_environment)
        self.folders = tuple(dict.fromkeys(Path(os.path.realpath(f)) for f in folders))

    def inside(self, path: Path, named_by: Path, field: str) -> Path:
        """`path` with links and `..` resolved, if it is inside the allowed folders."""
        real = Path(os.path.realpath(path))
        if not any(real.is_relative_to(folder) for folder in self.folders):
            raise ScenarioError(
                f"{named_by}: {field}: {path} is outside the folders a scenario may read "
                f"({', '.join(map(str, self.folders))}); move the file there, or allow its folder on purpose "
                f"(load_scenario(..., allowed_folders=...) or the environment variable {ALLOWED_FOLDERS_VARIABLE})"
            )
        return real

    def files_inside(self, node: Any, folder: Path, named_by: Path, path: tuple[Any, ...] = ()) -> Any:
        """Make every `file:` (empirical distributions, initial state) relative to the file that names it,
        and refuse one outside the allowed folders."""
        if isinstance(node, dict):
            resolved = {k: self.files_inside(v, folder, named_by, (*path, k)) for k, v in node.items()}
            if isinstance(resolved.get("file"), str):
                field = ".".join(map(str, (*path, "file")))
                resolved["file"] = str(self.inside(folder / resolved["file"], named_by, field))
            return resolved
        if isinstance(node, list):
            return [self.files_inside(v, folder, named_by, (*path, i)) for i, v in enumerate(node)]
        return node

    def chain(self, path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[tuple[Any, ...], Path]]:
        """The merged raw mapping of `path` and its `extends` ancestors, and who set what."""
        try:
            raw = read_yaml(path) or {}
        except ValueError as error:
            if seen:
                raise ScenarioError(f"{seen[-1]}: extends: {path} {error}") from None
            raise ScenarioError(f"{path}: {error}") from None
        if not isinstance(raw, dict):
            raise ScenarioError(f"{path}: a scenario file must be a mapping of field: value")
        folder = self.placed.get(path, path.parent)
        raw = self.files_inside(_renamed(raw, path), folder, path)
        parent = raw.pop("extends", None)
        if parent is None:
            return raw, _provenance(raw, path)
        if not isinstance(parent, str) or not parent:
            raise ScenarioError(f"{path}: extends: must be the path of one scenario file, relative to this one")
        parent_path = self.inside(folder / parent, path, "extends")
        if parent_path in (*seen, path):
            raise ScenarioError(f"{path}: extends: the chain of files loops back to {parent_path}")
        base, who = self.chain(parent_path, (*seen, path))
        who.update(_provenance(raw, path))
        base.pop("title", None)  # a variant is not its parent: it shows its own title, or its name
        return deep_merge(base, raw), who


def _provenance(node: Any, file: Path, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Path]:
    """Which file set each field (the top level too), so an error in a merged scenario names the right file."""
    found = {path: file}
    if isinstance(node, dict):
        for key, value in node.items():
            found.update(_provenance(value, file, (*path, key)))
    return found


_UNION_TAGS = {"fixed", "exponential", "lognormal", "gamma", "uniform", "empirical", "mixture"}


def _location(error: dict[str, Any]) -> tuple[Any, ...]:
    """The field an error is about: where pydantic found it, or the field a cross-field check blamed."""
    cause = error.get("ctx", {}).get("error")
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part in _UNION_TAGS))
    if isinstance(cause, FieldError):
        loc += tuple(int(part) if part.isdigit() else part for part in cause.path.split("."))
    return loc


def _describe(error: dict[str, Any], who: dict[tuple[Any, ...], Path], default: Path) -> str:
    loc = _location(error)
    file = next((who[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in who), default)
    field = ".".join(str(part) for part in loc) or "(top level)"
    cause = error.get("ctx", {}).get("error")
    message = cause.message if isinstance(cause, FieldError) else error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field (check its spelling against docs/scenarios.md)"
    elif error["type"] == "missing":
        message = "required field is missing"
    elif error["type"] != "value_error" and _short(error.get("input")):
        message = f"{message}; got {error['input']!r}"
    return f"{file}: {field}: {message}"


def _short(value: Any) -> bool:
    """Whether a wrong value is worth repeating in its message: a number, a boolean or a short text."""
    return isinstance(value, (bool, int, float, dt.date)) or (isinstance(value, str) and len(value) <= 40)


def _validated(
    raw: dict[str, Any], who: dict[tuple[Any, ...], Path], file: Path, max_episodes: float | None
) -> Scenario:
    """The scenario `raw` describes, if it is valid and its expected work within the limit."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        lines = [_describe(e, who, file) for e in error.errors()]
        # a mistake blamed on a parent file (or the command line) says which scenario was being loaded
        lines = [line if line.startswith(f"{file}: ") else f"{line} (loading {file})" for line in lines]
        raise ScenarioError("\n".join(lines)) from None
    try:
        check_workload(scenario, max_episodes)
    except ValueError as error:
        raise ScenarioError(f"{file}: {error}") from None
    return scenario


def load_scenario(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    overrides_from: str | dict[str, str] = "command line",
    *,
    allowed_folders: tuple[str | Path, ...] = (),
    max_episodes: float | None = None,
    as_if_in: str | Path | None = None,
) -> Scenario:
    """Read, merge and validate a scenario file; raise ScenarioError naming what is wrong.

    `overrides` is deep-merged last, as if it were one more `extends` layer
    (for command-line options and sweeps); a dotted key such as
    "reablement.hours_per_month" sets one nested field. An error in the field
    an override sets (or below it) is attributed to `overrides_from` (one
    source for all, or one per key, such as "--set wards.general_beds"); any
    other error names the file that set the field.

    The file, its `extends` chain and the data files they name are read
    only from the file's folder (and below) and `allowed_folders` (see
    `_Reader`); a run expected to simulate more than `max_episodes` patient
    episodes is refused (see `flowsim.scenario.workload`).

    `as_if_in` reads a file from elsewhere (an upload) as if it sat in that
    folder, and reads nothing outside it: the app reads uploads as if in
    scenarios/, so their `extends` can name only the shipped scenarios.
    """
    return _load(Path(os.path.realpath(path)), overrides, overrides_from, allowed_folders, max_episodes, as_if_in, ())


def _load(
    given: Path,
    overrides: dict[str, Any] | None,
    overrides_from: str | dict[str, str],
    allowed_folders: tuple[str | Path, ...],
    max_episodes: float | None,
    as_if_in: str | Path | None,
    following: tuple[Path, ...],
) -> Scenario:
    """`load_scenario` of `given`, which the scenarios `following` follow the escalation plan of, in turn."""
    placed = Path(as_if_in) if as_if_in is not None else None
    reader = _Reader(given, tuple(Path(f) for f in allowed_folders), placed)
    raw, who = reader.chain(given)
    for key, value in (overrides or {}).items():
        source = overrides_from if isinstance(overrides_from, str) else overrides_from[key]
        who.update(_provenance(value, Path(source), tuple(key.split("."))))
        raw = deep_merge(raw, nested(key, value))
    followed = raw.get("escalation_as_in")
    if isinstance(followed, str):
        named_by = who.get(("escalation_as_in",), given)
        path = reader.inside(reader.placed.get(named_by, named_by.parent) / followed, named_by, "escalation_as_in")
        if path in (*following, given):
            raise ScenarioError(f"{named_by}: escalation_as_in: the scenarios following each other's plans loop back to {path}")
        if not path.is_file():
            raise ScenarioError(f"{named_by}: escalation_as_in: {followed} is not a scenario file (looked for {path})")
        raw["escalation_as_in"] = _load(path, None, "", allowed_folders, max_episodes, as_if_in, (*following, given))
    return _validated(raw, who, given, max_episodes)


def scenario_from_dict(raw: dict[str, Any], *, max_episodes: float | None = None) -> Scenario:
    """Validate a scenario written as a Python mapping (tests, notebooks)."""
    return _validated(raw, {}, Path("<dict>"), max_episodes)

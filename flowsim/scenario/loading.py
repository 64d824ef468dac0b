"""Reading scenario files: `extends` chains, deep merges and errors that name the file and field.

A variant names its parent with `extends: baseline.yaml` and writes only what
it changes; the two are deep-merged (mappings merge, anything else is
replaced). A mistake is reported with the file that set the field, the
field's path and what is allowed.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from flowsim.scenario.study import Scenario

class ScenarioError(Exception):
    """A scenario file that cannot be run; the message names file, field and what is allowed."""


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
        if isinstance(change, dict) and change.get("capacity") in RENAMED_CAPACITIES:
            new = RENAMED_CAPACITIES[change["capacity"]]
            warnings.warn(
                f"{path}: capacity_changes.{index}.capacity {change['capacity']} is now {new}; the old name still works",
                FutureWarning,
                stacklevel=2,
            )
            changes[index] = {**change, "capacity": new}
    return raw


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key, except that one with a different `type` (a distribution
    changed from lognormal to mixture, say) replaces the parent's whole; all else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        parent = merged.get(key)
        if isinstance(value, dict) and isinstance(parent, dict) and value.get("type", parent.get("type")) == parent.get("type"):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve_files(node: Any, folder: Path) -> Any:
    """Make every `file:` (empirical distributions, initial state) relative to the file that names it."""
    if isinstance(node, dict):
        resolved = {k: _resolve_files(v, folder) for k, v in node.items()}
        if isinstance(resolved.get("file"), str):
            resolved["file"] = str((folder / resolved["file"]).resolve())
        return resolved
    if isinstance(node, list):
        return [_resolve_files(v, folder) for v in node]
    return node


def _provenance(node: Any, file: Path, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Path]:
    """Which file set each field, so an error in a merged scenario names the right file."""
    found = {path: file}
    if isinstance(node, dict):
        for key, value in node.items():
            found.update(_provenance(value, file, (*path, key)))
    return found


def _read_chain(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[tuple[Any, ...], Path]]:
    """The merged raw mapping of `path` and its `extends` ancestors, and who set what."""
    path = path.resolve()
    if path in seen:
        raise ScenarioError(f"{path}: extends: the chain of files loops back to itself")
    if not path.is_file():
        if seen:
            raise ScenarioError(f"{seen[-1]}: extends: file {path} does not exist")
        raise ScenarioError(f"{path}: file does not exist")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: a scenario file must be a mapping of field: value")
    raw = _resolve_files(_renamed(raw, path), path.parent)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, _provenance(raw, path)
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: must be the path of one scenario file, relative to this one")
    base, who = _read_chain(path.parent / parent, (*seen, path))
    who.update(_provenance(raw, path))
    base.pop("title", None)  # a variant is not its parent: it shows its own title, or its name
    return _deep_merge(base, raw), who


_UNION_TAGS = {"fixed", "exponential", "lognormal", "gamma", "uniform", "empirical", "mixture"}


def _describe(error: dict[str, Any], who: dict[tuple[Any, ...], Path], default: Path) -> str:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part in _UNION_TAGS))
    file = next((who[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in who), default)
    field = ".".join(str(part) for part in loc) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field (check its spelling against docs/scenarios.md)"
    elif error["type"] == "missing":
        message = "required field is missing"
    elif "input" in error and error["type"] not in ("value_error",):
        message = f"{message}; got {error['input']!r}"
    return f"{file}: {field}: {message}"


def load_scenario(
    path: str | Path, overrides: dict[str, Any] | None = None, overrides_from: str | dict[str, str] = "command line"
) -> Scenario:
    """Read, merge and validate a scenario file; raise ScenarioError naming what is wrong.

    `overrides` is deep-merged last, as if it were one more `extends` layer
    (for command-line options and sweeps); a dotted key such as
    "reablement.hours_per_month" sets one nested field. An error in the field
    an override sets (or below it) is attributed to `overrides_from` (one
    source for all, or one per key, such as "--set wards.general_beds"); any
    other error names the file that set the field.
    """
    path = Path(path)
    raw, who = _read_chain(path)
    for key, value in (overrides or {}).items():
        where = tuple(key.split("."))
        nested = value
        for part in reversed(where):
            nested = {part: nested}
        raw = _deep_merge(raw, nested)
        source = overrides_from if isinstance(overrides_from, str) else overrides_from[key]
        who.update(_provenance(value, Path(source), where))
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        lines = [_describe(e, who, path.resolve()) for e in error.errors()]
        raise ScenarioError("\n".join(lines)) from None


def scenario_from_dict(raw: dict[str, Any]) -> Scenario:
    """Validate a scenario written as a Python mapping (tests, notebooks)."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError("\n".join(_describe(e, {}, Path("<dict>")) for e in error.errors())) from None

"""Reading the files a scenario is made of, with limits, so that no file can hang or exhaust the process.

Scenario files are YAML and their data files CSV, written by hand or
exported from a spreadsheet, and some may come from someone else. Each is
read only if it is a regular file (not a folder, a device or a FIFO, which
could block for ever), at most a limited number of bytes, as UTF-8 (a
byte-order mark is fine). YAML is parsed by a safe loader (no Python object
tags) that stops at a limited number of nodes, aliases and levels of
nesting, so an alias bomb or a deeply nested file is refused in moments.

A problem raises `ValueError` with a message that says what is wrong and
where (a byte, a line), never the file's content: a file named by a scenario
may hold anything.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

MAX_SCENARIO_BYTES = 1 << 20
"""A scenario file's largest size (1 MiB); the largest shipped one is 31 kB."""
MAX_TABLE_BYTES = 8 << 20
"""A CSV file's largest size (8 MiB): a year of a large trust's lengths of stay is under 1 MiB."""
MAX_TABLE_ROWS = 200_000
"""A CSV file's most lines after the header: two years of a large trust's admissions."""
MAX_YAML_NODES = 50_000
"""The most values (counting each use of an alias in full) a scenario file may hold; the largest
shipped one holds about 2,500."""
MAX_YAML_ALIASES = 100
"""The most aliases (`*name`) a scenario file may use."""
MAX_YAML_DEPTH = 40
"""The deepest nesting of mappings and lists a scenario file may have; a scenario needs about 6."""


def read_text(path: Path, limit: int) -> str:
    """The text of the regular file `path`, decoded as UTF-8, if it has at most `limit` bytes."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ValueError("does not exist") from None
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValueError("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("is not a regular file (a device, FIFO or socket)")
    if info.st_size > limit:
        raise ValueError(f"has {info.st_size:,} bytes, more than the {limit:,} allowed")
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # never waits, even if swapped for a FIFO
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror})") from None
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise ValueError("is not a regular file (a device, FIFO or socket)")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"has more than the {limit:,} bytes allowed")
    return _decoded(data)


def _decoded(data: bytes) -> str:
    """`data` as UTF-8 text without its byte-order mark; refused, by byte and line, if not UTF-8 or binary."""
    bom = len(data) - len(data.removeprefix(b"\xef\xbb\xbf"))
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"is not UTF-8 text: {_where(data, bom + error.start)} cannot be read; save it as UTF-8 "
            "(in a spreadsheet: CSV UTF-8; in an editor: encoding UTF-8)"
        ) from None
    if "\x00" in text:
        raise ValueError(f"is not text: {_where(data, data.index(0))} is a NUL (a binary file?)")
    return text


def _where(data: bytes, at: int) -> str:
    line = data.count(b"\n", 0, at) + 1
    return f"byte {at:,} (line {line})"


def read_table(
    path: Path, allowed: tuple[str, ...] | None = None, needed: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of CSV file `path` as (line number, {column: cell}) for their non-blank cells.

    The first line names the columns: each one of `allowed` (if given), and
    `needed` among them. A file without rows, or a row with more or fewer
    cells than the header, is refused, naming the line or the position in
    the header only.
    """
    text = read_text(path, MAX_TABLE_BYTES)
    if text.count("\n") > MAX_TABLE_ROWS + 1:  # counted before any row is read
        raise ValueError(f"has more than the {MAX_TABLE_ROWS:,} rows allowed (lines after the header)")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            raise ValueError("has no header line naming its columns")
        for position, name in enumerate(header, 1):
            if allowed is not None and name not in allowed:
                raise ValueError(f"column {position} of the header is not one of {', '.join(allowed)}")
        for name in needed:
            if name not in header:
                raise ValueError(f"has no column {name!r} in its header")
        rows = 0
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise ValueError(f"line {reader.line_num} has {len(cells)} cells, the header {len(header)}")
            rows += 1
            yield reader.line_num, {name: cell.strip() for name, cell in zip(header, cells) if cell.strip()}
    except csv.Error as error:
        raise ValueError(f"is not a CSV file: line {reader.line_num}: {error}") from None
    if rows == 0:
        raise ValueError("has a header but no rows")


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting as it composes: values (each alias counted in full), aliases, depth."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise _Refused(f"uses more than {MAX_YAML_ALIASES} aliases (*name)", self.peek_event().start_mark)
        else:
            self._nodes += 1  # written out: refused as soon as there are too many, before the rest is parsed
            if self._nodes > MAX_YAML_NODES:
                raise _Refused(f"holds more than {MAX_YAML_NODES:,} values", self.peek_event().start_mark)
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise _Refused(f"nests more than {MAX_YAML_DEPTH} levels deep", self.peek_event().start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        return node

    def compose_document(self) -> Any:
        node = super().compose_document()
        if self._size(node) > MAX_YAML_NODES:
            raise _Refused(f"holds more than {MAX_YAML_NODES:,} values (aliases counted in full)", node.start_mark)
        return node

    def _size(self, node: yaml.Node) -> int:
        """Values in `node` with every alias expanded, each shared node sized once (so bombs cost nothing)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        self._sizes[id(node)] = MAX_YAML_NODES + 1  # a node inside itself (a recursive alias) is too big
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._size(key) + self._size(value) for key, value in node.value)
        self._sizes[id(node)] = min(size, MAX_YAML_NODES + 1)
        return self._sizes[id(node)]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """As PyYAML's, but a key written twice in one mapping is an error, not a silent overwrite."""
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *defaults`, merged by PyYAML
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue  # an unhashable key: PyYAML refuses it below
            if first is not key_node:
                raise _Refused(
                    f"a key appears twice in one mapping (line {first.start_mark.line + 1} "
                    f"and line {key_node.start_mark.line + 1})",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep)


_BoundedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789")
)  # `1e6` is a number, as in YAML 1.2 (PyYAML's YAML 1.1 reads it as text without a dot: `1.0e6`)


class _Refused(yaml.MarkedYAMLError):
    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


def read_yaml(path: Path) -> Any:
    """The value of YAML file `path`, within the limits above; ValueError naming line and column otherwise."""
    text = read_text(path, MAX_SCENARIO_BYTES)
    try:
        loader = _BoundedLoader(text)  # reading starts here: it refuses control characters at once
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValueError(f"not valid YAML{where}: {error.problem or error.context}") from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        raise ValueError(f"not valid YAML: character {error.position:,} (line {line}) is a control character, #x{error.character:04x}") from None
    except yaml.YAMLError as error:
        raise ValueError(f"not valid YAML: {type(error).__name__}") from None
    except RecursionError:
        raise ValueError("not valid YAML: its aliases nest too deeply") from None

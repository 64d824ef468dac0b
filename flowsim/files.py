"""Files written whole or not at all: no reader ever sees half a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

def write_atomically(path: Path, write: Any) -> None:
    """Call `write(tmp_path)` then rename over `path`, so no reader sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    tmp.replace(path)

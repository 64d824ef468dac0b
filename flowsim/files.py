"""Files written whole or not at all: no reader ever sees half a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_atomically(path: Path, write: Any) -> None:
    """Call `write(tmp_path)` then rename over `path`, so no reader sees half a file.

    If writing fails (a full disk, an error in `write`, Ctrl-C) the temporary file is removed
    and `path` is left as it was."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

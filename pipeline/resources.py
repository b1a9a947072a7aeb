"""Loading the vocabulary in data/: unit tables, classifiers, keyword lists.

Rules that are really data live there, not in code. Files are read once per process.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

_SOURCE_DATA = Path(__file__).resolve().parent.parent / "data"


@cache
def data_dir() -> Path:
    """The data/ folder: the source checkout's, or the installed `zhfacts_data` package."""
    if _SOURCE_DATA.is_dir():
        return _SOURCE_DATA
    return Path(str(resources.files("zhfacts_data")))


def data_path(name: str) -> Path:
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"zhfacts data file missing: {path}")
    return path


@cache
def load_toml(name: str) -> dict:
    with data_path(name).open("rb") as fh:
        return tomllib.load(fh)


@cache
def load_lines(name: str) -> tuple[str, ...]:
    """Non-empty lines of a word list, `#` comments and surrounding blanks removed."""
    out: list[str] = []
    for line in data_path(name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return tuple(out)

"""The domain vocabulary tables in ``assistant/data/``: one reader for all of them (package data, so it
ships in the wheel)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def table(name: str) -> list[str]:
    """The non-empty, non-comment (#) lines of a data file."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]

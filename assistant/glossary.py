"""English health-planning words → the Chinese terms plans use, so English questions find Chinese text.

This is domain vocabulary (how health plans name things), not knowledge of any one plan.
"""

from __future__ import annotations

import re
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "glossary.tsv"
EN_ZH: tuple[tuple[str, str], ...] = tuple(
    tuple(ln.split("\t", 1)) for ln in _DATA.read_text(encoding="utf-8").splitlines()
    if ln.strip() and not ln.startswith("#"))
_PATTERNS = tuple((re.compile(rf"\b(?:{en})\b", re.I), zh) for en, zh in EN_ZH)


def chinese_terms(question: str) -> str:
    """Chinese terms for the English words of a question ('' when there are none)."""
    found, taken = [], []
    words = re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", " ", question)  # "family-doctor" is "family doctor"
    for pat, zh in _PATTERNS:
        for m in pat.finditer(words):
            if not any(a <= m.start() < b for a, b in taken):
                taken.append(m.span())
                found.append(zh)
    return " ".join(dict.fromkeys(found))


def expand(question: str) -> str:
    """The question plus Chinese terms for its English words, for retrieval and routing."""
    extra = chinese_terms(question)
    return f"{question} {extra}" if extra else question

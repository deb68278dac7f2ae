"""English health-planning words → the Chinese terms plans use, so English questions find Chinese text.

This is domain vocabulary (how health plans name things), not knowledge of any one plan.
"""

from __future__ import annotations

import re

from .vocab import table

EN_ZH: tuple[tuple[str, str], ...] = tuple(tuple(ln.split("\t", 1)) for ln in table("glossary.tsv"))
_PATTERNS = tuple((re.compile(rf"\b(?:{en})\b", re.I), zh) for en, zh in EN_ZH)


def chinese_terms(question: str) -> str:
    """Chinese terms for the English words of a question ('' when there are none); terms on the two sides of
    "and" are joined by 和, so "infant mortality and neonatal mortality" asks two things, as 和 does."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    words = re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", " ", question)  # "family-doctor" is "family doctor"
    for pat, zh in _PATTERNS:
        for m in pat.finditer(words):
            if not any(a <= m.start() < b for a, b in taken):
                taken.append(m.span())
                found.append((m.start(), zh))
    found.sort()
    split = next((m.start() for m in re.finditer(r"\band\b", words)
                  if any(at < m.start() for at, _ in found) and any(at > m.start() for at, _ in found)), None)
    sides = [[zh for at, zh in found if split is None or at < split], [zh for at, zh in found if split and at > split]]
    return "和".join(" ".join(dict.fromkeys(side)) for side in sides if side)


def expand(question: str) -> str:
    """The question plus Chinese terms for its English words, for retrieval and routing."""
    extra = chinese_terms(question)
    return f"{question} {extra}" if extra else question

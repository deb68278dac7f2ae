"""Follow-up questions: "那济宁市呢？" means "the previous question, asked about 济宁市".

The assistant answers one question at a time, so the UI rewrites such short follow-ups into a full
question before asking. Place names come from the indexed plans' metadata, never from a fixed list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_FOLLOW_UP_CHARS = 16
_PUNCT = "？?。.!！，,、 \t"
_FILLERS_ZH = ("那么", "那", "还有", "换成", "如果是", "至于", "再看", "看看", "呢", "的", "怎么样", "又如何", "如何",
               "情况", "吗", "是", "呐", "又")
_FILLERS_EN = re.compile(r"\b(what|how|about|and|then|for|in|of|the|plan|'s|s)\b", re.I)


def _names(plans: Sequence) -> dict[str, str]:
    """Every name a user may call a plan's place by → the name to use in a rewritten question."""
    out: dict[str, str] = {}
    for plan in plans:
        full = getattr(plan, "jurisdiction", "") or ""
        for name in getattr(plan, "short_names", ()):
            out.setdefault(name.lower(), name if name.isascii() else (full or name))
        parent = getattr(plan, "parent", "") or ""
        if parent:
            out.setdefault(parent.lower(), parent)
            core = re.sub(r"(自治州|自治县|市|区|县|旗)$", "", parent)
            if len(core) >= 2:
                out.setdefault(core.lower(), parent)
    return out


def _pattern(names) -> re.Pattern | None:
    names = sorted((n for n in names if n), key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names), re.I) if names else None


def follow_up(previous_question: str | None, question: str, plans: Sequence) -> str:
    """Rewrite a short place-only follow-up ("那济宁市呢？", "张店呢", "what about Jining?") into the previous
    question about that place; any other question is returned unchanged."""
    q = (question or "").strip()
    prev = (previous_question or "").strip()
    if not prev or not q:
        return q
    core = q.strip(_PUNCT)
    if len(core) > (MAX_FOLLOW_UP_CHARS * 3 if core.isascii() else MAX_FOLLOW_UP_CHARS):
        return q
    names = _names(plans)
    pattern = _pattern(names)
    if pattern is None:
        return q
    found = pattern.findall(core)
    if not found:
        return q
    rest = pattern.sub("", core)
    for filler in _FILLERS_ZH:
        rest = rest.replace(filler, "")
    rest = _FILLERS_EN.sub("", rest).strip(_PUNCT + "'")
    if len(rest) > 2:
        return q  # a new question that happens to name a place
    new = names[found[0].lower()]
    if new.isascii():
        new = found[0]
    rewritten, count = pattern.subn(new, prev)
    if not count:
        return f"{prev} ({new})" if prev.isascii() else f"{new}{prev}"
    return re.sub(f"(?:{re.escape(new)})+", new, rewritten)

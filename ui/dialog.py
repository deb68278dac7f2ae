"""Follow-up questions: a short turn that only makes sense after the previous question.

The assistant answers one question at a time, so the UI rewrites such turns into a full question before
asking (and shows the rewrite). A question splits into place · time · topic · ask ("临河县 · 到2025年 ·
每千人口注册护士数 · 要达到多少"); a follow-up names some parts and the rest come from the previous question:

- place only ("那青川县呢？")            → previous question about that place;
- place and topic ("那青川县的床位呢？")  → the new topic in the new place, the previous time and ask;
- topic only ("床位数呢？")               → the new topic, previous place, time and ask;
- ask only ("谁牵头？")                   → the previous place and topic with the new ask.

A turn with its own ask and its own place or topic is a complete question and is left alone. Place names
come from the indexed plans' metadata, never from a fixed list; ask words and fillers are small tables.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_FOLLOW_UP_CHARS = 16
_PUNCT = "？?。.!！，,、 \t"
_LEADING = ("那么", "那", "还有", "换成", "如果是", "至于", "再看", "看看", "另外", "再问", "请问")
_TRAILING = ("怎么样", "又如何", "情况如何", "情况", "呢", "吗", "呐", "的")
_FOLLOW_MARKS = ("那", "还有", "换成", "如果是", "至于", "再看", "看看", "另外")
# What a question asks, as its last part; the optional verb before it belongs to the ask.
ASKS = ("谁牵头", "谁负责", "由谁牵头", "由谁负责", "哪个部门牵头", "哪些部门参与", "哪些部门负责", "牵头部门是谁",
        "牵头单位是谁", "责任单位有哪些", "参与部门有哪些", "牵头部门", "责任单位", "参与部门", "多少", "几个", "几家",
        "几所", "什么时候", "何时", "哪些", "什么", "如何", "怎样", "怎么", "是否", "有没有", "目标")
_ASK = re.compile("(?:(?:要|将|应|需|应当|计划)?(?:达到|提高到|降低到|控制在|是|为|有)?)(?:"
                  + "|".join(re.escape(a) for a in sorted(ASKS, key=len, reverse=True)) + ")[家个所张名人项]?")
_TIME = re.compile(r"(?:到|至|截至)?\d{4}\s*年(?:底|末)?|“?十四五”?(?:期间|末)")
_FILLERS_EN = re.compile(r"\b(what|how|about|and|then|for|in|of|the|plan|'s|s)\b", re.I)


@dataclass(frozen=True)
class Parts:
    place: str
    time: str
    topic: str
    ask: str


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


def _strip_fillers(text: str) -> str:
    """Follow-up padding removed at both ends ('那…的…呢'), never inside the topic."""
    changed = True
    while changed:
        changed = False
        text = text.strip(_PUNCT)
        for f in _LEADING:
            if text.startswith(f):
                text, changed = text[len(f):], True
        for f in _TRAILING:
            if text.endswith(f):
                text, changed = text[:-len(f)], True
        if text.startswith(("的", "在")):
            text, changed = text[1:], True
    return text


def split_question(question: str, pattern: re.Pattern | None, names: dict[str, str]) -> Parts:
    """place · time · topic · ask of one question; the place is the first place name, in its full form, and
    the ask is the last ask phrase (the topic may follow it: '有多少家社区卫生服务中心')."""
    core = question.strip(_PUNCT)
    place = ""
    if pattern is not None:
        m = pattern.search(core)
        if m:
            place = names[m.group(0).lower()]
            core = core[:m.start()] + core[m.end():]
    time = ""
    m = _TIME.search(core)
    if m:
        time, core = m.group(0), core[:m.start()] + core[m.end():]
    ask = ""
    asks = list(_ASK.finditer(core))
    if asks:
        m = asks[-1] if core.endswith(asks[-1].group(0)) else asks[0]
        ask, core = m.group(0), core[:m.start()] + core[m.end():]
    return Parts(place, time, _strip_fillers(core), ask.strip(_PUNCT))


def _join(place: str, time: str, topic: str, ask: str, template: str) -> str:
    body = f"{place}{time}{topic}{ask}"
    return body + ("？" if template.rstrip()[-1:] in "？?" or ask else "")


def _english(prev: str, core: str, pattern: re.Pattern, names: dict[str, str]) -> str | None:
    found = pattern.findall(core)
    rest = _FILLERS_EN.sub("", pattern.sub("", core)).strip(_PUNCT + "'")
    if not found or rest:
        return None
    new = found[0]
    rewritten, count = pattern.subn(new, prev)
    return rewritten if count else f"{prev} ({new})"


def follow_up(previous_question: str | None, question: str, plans: Sequence) -> str:
    """The question to ask for this turn: a short follow-up completed from the previous question (see the
    module docstring); a complete or unrelated question is returned unchanged."""
    q = (question or "").strip()
    prev = (previous_question or "").strip()
    core = q.strip(_PUNCT)
    if not prev or not core:
        return q
    names = _names(plans)
    pattern = _pattern(names)
    if core.isascii():
        if len(core) > MAX_FOLLOW_UP_CHARS * 3 or pattern is None:
            return q
        return _english(prev, core, pattern, names) or q
    if len(core) > MAX_FOLLOW_UP_CHARS:
        return q
    new = split_question(q, pattern, names)
    old = split_question(prev, pattern, names)
    if new.ask and (new.place or new.topic):
        return q  # a complete question of its own
    if new.place and not new.topic:
        rewritten, count = pattern.subn(new.place, prev)
        if not count:
            return f"{new.place}{prev}"
        return re.sub(f"(?:{re.escape(new.place)})+", new.place, rewritten)
    marked = core.startswith(_FOLLOW_MARKS) or core.endswith("呢")
    if new.topic and (new.place or marked):
        if len(new.topic) < 2:
            return q
        return _join(new.place or old.place, new.time or old.time, new.topic, old.ask, prev)
    if new.ask and not new.topic:
        return _join(old.place, new.time or old.time, old.topic, new.ask, q)
    return q

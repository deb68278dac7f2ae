"""Indicator rows for the 指标 tab: one row per indicator of a plan, named without the plan's own place.

A plan often states the same target twice, in its indicator table and in a prose sentence ("人均预期寿命
达到81.5岁左右"). Shown as two rows, the prose one is a half-empty duplicate; merged, the row keeps both
sources. Records merge only when they are the same plan, the same indicator name (after the plan's own
place is taken off the front) and the same figures for a compatible year — a different figure is a
different statement and keeps its own row, so no discrepancy is hidden.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.meta import _LEVEL_CHARS  # the level words a jurisdiction ends in (省 市 区 县 …)
from assistant.text import key, normalise
from assistant.verify import FACILITY_WORD  # the one vocabulary of facility words

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
SOURCE_LABELS = {"table": "指标表", "prose": "正文", "box": "专栏"}
# the fields a merged row takes from its first record that has them, table records first
FIELDS = ("domain", "unit", "baseline", "baseline_year", "target_year", "nature")


def place_prefixes(plan) -> tuple[str, ...]:
    """The ways a plan names its own place at the start of an indicator, longest first: 河东市临河县,
    临河县, 临河, 全县. Only the plan's own jurisdiction (with its parent in front): a parent named alone
    (河东市…) is another place's figure and must stay visible."""
    if plan is None or not getattr(plan, "jurisdiction", ""):
        return ()
    names = [n for n in plan.short_names if not n.isascii()]
    parent = getattr(plan, "parent", "") or ""
    out = [parent + plan.jurisdiction] if parent and parent != plan.jurisdiction else []
    out += names
    if plan.jurisdiction[-1] in _LEVEL_CHARS:  # "the whole of it": 临河县 → 全县
        out.append("全" + plan.jurisdiction[-1])
    return tuple(sorted(dict.fromkeys(out), key=lambda n: (-len(n), n)))


_SEGMENT = re.compile(r"[、，,；;（(\s]")


def _names_facility(rest: str) -> bool:
    """Does the text after a place begin with a facility or project's name (人民医院、…; 公共卫生医疗中心项目)?"""
    return bool(FACILITY_WORD.search(_SEGMENT.split(rest, maxsplit=1)[0]))


def display_name(indicator: str, plan) -> str:
    """The indicator without its plan's own place in front (临河县每千人口注册护士数 → 每千人口注册护士数),
    so the same indicator of different plans lines up. The place stays when it begins a facility's name
    (临河县人民医院…: 人民医院 alone names no hospital; 全县 begins no name), and a name is never cut
    below two characters."""
    name = (indicator or "").strip()
    prefixes = place_prefixes(plan)
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if (name.startswith(p) and len(name) - len(p) >= 2
                    and (p.startswith("全") or not _names_facility(name[len(p):]))):
                name = name[len(p):].lstrip()
                changed = True
                break
    return name


@dataclass
class TargetRow:
    """One indicator of one plan, with every record (table row, sentence, 专栏 item) that states it."""

    plan: str
    name: str
    value: str
    past: bool
    fields: dict[str, str]
    records: list = field(default_factory=list)


def _figures(value: str) -> tuple[str, ...] | str:
    numbers = tuple(str(float(n)) for n in _NUMBER.findall(normalise(value)))
    return numbers or key(value)


def _year(record) -> str:
    return "".join(_NUMBER.findall(str(getattr(record, "target_year", "") or "")))


def _same(row: TargetRow, record) -> bool:
    """Does ``record`` state the target ``row`` already holds: same figures, a compatible year?"""
    first = row.records[0]
    years = {_year(r) for r in row.records} - {""}
    year = _year(record)
    return _figures(record.value) == _figures(first.value) and (not year or not years or year in years)


def _order(record, order: dict[str, int]) -> tuple:
    return order.get(record.plan, len(order)), getattr(record, "start", 0) or 0


def merge_targets(targets: Sequence, plans: Sequence) -> list[TargetRow]:
    """One row per indicator of a plan, in plan order and then where in the plan it is first stated."""
    by_id = {p.id: p for p in plans}
    order = {p.id: i for i, p in enumerate(plans)}
    groups: dict[tuple, list[TargetRow]] = {}
    rows: list[TargetRow] = []
    for t in sorted(targets, key=lambda r: _order(r, order)):
        name = display_name(t.indicator, by_id.get(t.plan))
        past = bool(getattr(t, "past", False))
        slot = groups.setdefault((t.plan, key(name), past), [])
        row = next((r for r in slot if _same(r, t)), None)
        if row is None:
            row = TargetRow(t.plan, name, "", past, {})
            slot.append(row)
            rows.append(row)
        row.records.append(t)
    for row in rows:
        ranked = sorted(row.records, key=lambda r: getattr(r, "source", "table") != "table")
        row.value = str(ranked[0].value or "")
        row.fields = {f: next((str(v) for r in ranked if (v := getattr(r, f, "") or "")), "") for f in FIELDS}
    return rows


def source_label(record) -> str:
    """Where a record stands: its kind (指标表 / 正文 / 专栏) and section path."""
    section = getattr(record, "section", ()) or ()
    path = " › ".join(section) if isinstance(section, (tuple, list)) else str(section)
    return f"{SOURCE_LABELS.get(getattr(record, 'source', 'table'), '正文')}：{path or '（正文开头）'}"

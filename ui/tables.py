"""Tables for the 指标 / 分工 / 规划库 tabs: plain rows built from the assistant's structured facts.

They take plain sequences of records (Target, Duty, Plan, Chunk) so they are testable without a server,
and read fields with ``getattr`` so a record type gaining fields does not break the UI.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.text import flat

from .render import Passage
from .targets import TargetRow, merge_targets, source_label

# Each table's columns with their share of the width (they add up to 100%), so a table wraps its cells
# to the window instead of growing wider than the screen.
TARGET_COLUMNS = (("规划", 13), ("领域", 8), ("指标", 19), ("单位", 6), ("基期值", 10), ("目标值", 12),
                  ("指标性质", 7), ("出处", 25))
SAME_COLUMNS = (("规划", 17), ("指标", 20), ("单位", 7), ("基期值", 11), ("目标值", 13), ("指标性质", 7), ("出处", 25))
DUTY_COLUMNS = (("规划", 12), ("任务", 18), ("角色", 6), ("牵头单位", 14), ("参与单位", 18), ("责任单位", 12),
                ("出处", 20))
TASK_COLUMNS = (("角色", 20), ("单位", 80))
PLAN_COLUMNS = (("标题", 20), ("地区", 7), ("上级", 7), ("发文机关", 14), ("成文日期", 9), ("文号", 12), ("状态", 6),
                ("字数", 6), ("分块数", 6), ("文件", 13))
TARGET_HEADERS, SAME_HEADERS, DUTY_HEADERS, TASK_HEADERS, PLAN_HEADERS = (
    [name for name, _ in cols] for cols in (TARGET_COLUMNS, SAME_COLUMNS, DUTY_COLUMNS, TASK_COLUMNS, PLAN_COLUMNS))
NOT_LISTED = "（规划未列出）"
ROLES = (("lead", "牵头"), ("participants", "参与"), ("responsible", "责任"))


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).strip()


def _with_year(value, year) -> str:
    text = _fmt(value)
    year = _fmt(year)
    if year and not year.endswith("年"):
        year += "年"
    return f"{text}（{year}）" if text and year else text


def _norm(text: str) -> str:
    return flat(str(text or ""))


def _titles(plans: Sequence) -> dict[str, str]:
    return {p.id: p.title for p in plans}


def _order(plans: Sequence) -> dict[str, int]:
    return {p.id: i for i, p in enumerate(plans)}


def _sorted(records: Sequence, plans: Sequence) -> list:
    order = _order(plans)
    return sorted(records, key=lambda r: (order.get(r.plan, len(order)), getattr(r, "start", 0) or 0))


def _section(record) -> str:
    section = getattr(record, "section", ()) or ()
    return " › ".join(section) if isinstance(section, (tuple, list)) else str(section)


def target_row(row: TargetRow, titles: dict[str, str]) -> list[str]:
    """A merged indicator as table cells: plan, domain, name, unit, baseline, target, nature, 出处."""
    f = row.fields
    return [titles.get(row.plan, row.plan), _fmt(f["domain"]), _fmt(row.name), _fmt(f["unit"]),
            _with_year(f["baseline"], f["baseline_year"]), _with_year(row.value, f["target_year"]),
            _fmt(f["nature"]), "；".join(dict.fromkeys(source_label(r) for r in row.records))]


def target_rows(targets: Sequence, plans: Sequence, plan: str | None = None, query: str = "") -> list[TargetRow]:
    """The merged indicators, optionally of one plan (id) and whose name contains all words of ``query``."""
    words = [_norm(w) for w in (query or "").split() if w.strip()]
    return [r for r in merge_targets(targets, plans) if (not plan or r.plan == plan)
            and all(any(w in _norm(n) for n in (r.name, *(t.indicator for t in r.records))) for w in words)]


def targets_table(targets: Sequence, plans: Sequence, plan: str | None = None, query: str = "") -> list[list[str]]:
    """Every indicator, one row each, optionally of one plan and matching ``query``."""
    titles = _titles(plans)
    return [target_row(r, titles) for r in target_rows(targets, plans, plan, query)]


def target_passages(row: TargetRow | None, plans: Sequence) -> list[Passage]:
    """Every source of a merged indicator, for the passage panel under the table."""
    titles = _titles(plans)
    return [Passage(t.plan, titles.get(t.plan, t.plan), source_label(t), t.start, t.end)
            for t in (row.records if row else ())]


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def indicator_score(query: str, indicator: str) -> float:
    """How well an indicator name matches a query: containment first (tighter is better), else bigram overlap."""
    q, ind = _norm(query), _norm(indicator)
    if not q or not ind:
        return 0.0
    if q in ind:
        return 1.0 + len(q) / len(ind)
    grams = _bigrams(q)
    return len(grams & _bigrams(ind)) / len(grams)


def same_rows(targets: Sequence, plans: Sequence, query: str, threshold: float = 0.6) -> list[TargetRow | None]:
    """Per plan, its current (not review-table) indicator that best matches ``query``, or None."""
    if not (query or "").strip():
        return []
    best: dict[str, tuple[float, TargetRow]] = {}
    for row in merge_targets(targets, plans):
        score = indicator_score(query, row.name)
        if not row.past and score >= threshold and score > best.get(row.plan, (0.0, None))[0]:
            best[row.plan] = (score, row)
    return [best[p.id][1] if p.id in best else None for p in plans]


def same_indicator(targets: Sequence, plans: Sequence, query: str, threshold: float = 0.6) -> list[list[str]]:
    """One row per plan: its target for the indicator that best matches ``query`` (or a 'not listed' row)."""
    rows = []
    for p, row in zip(plans, same_rows(targets, plans, query, threshold)):
        rows.append([p.title, *target_row(row, {})[2:]] if row else [p.title, NOT_LISTED, "", "", "", "", ""])
    return rows


def default_unit_matcher(query: str, unit: str) -> bool:
    """Plain matching: exact or containment after removing spaces."""
    q, u = _norm(query), _norm(unit)
    return bool(q) and (q == u or q in u or (len(u) >= 3 and u in q))


def unit_matcher() -> Callable[[str, str], bool]:
    """Unit-name matching that knows abbreviations (卫健局 = 卫生健康局), plus plain equality."""
    from assistant.units import unit_matches

    return lambda q, u: _norm(q) == _norm(u) or bool(unit_matches(q, u))


def duty_roles(duty) -> list[tuple[str, str]]:
    """(role, unit) pairs of a duty: 牵头, 参与, 责任."""
    return [(label, unit) for field, label in ROLES for unit in (getattr(duty, field, ()) or ())]


def all_units(duties: Sequence) -> list[str]:
    """Every unit named in the duties, most frequent first."""
    counts = Counter(unit for d in duties for _, unit in duty_roles(d))
    return [u for u, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def duty_rows(duties: Sequence, plans: Sequence, unit: str,
              matches: Callable[[str, str], bool] = default_unit_matcher) -> list[tuple[object, list[str]]]:
    """(duty, the roles ``unit`` has in it) for every task it leads, joins or is responsible for, in plan
    and document order."""
    if not (unit or "").strip():
        return []
    out = []
    for d in _sorted(duties, plans):
        roles = list(dict.fromkeys(label for label, u in duty_roles(d) if matches(unit, u)))
        if roles:
            out.append((d, roles))
    return out


def duty_row(duty, roles: Sequence[str], titles: dict[str, str]) -> list[str]:
    """One task as cells; 牵头 / 参与 / 责任 each in its own column, as the plan assigns them."""
    units = ["、".join(getattr(duty, f, ()) or ()) for f, _ in ROLES]
    return [titles.get(duty.plan, duty.plan), _fmt(duty.task), "、".join(roles), *units, _section(duty)]


def duties_for_unit(duties: Sequence, plans: Sequence, unit: str,
                    matches: Callable[[str, str], bool] = default_unit_matcher) -> list[list[str]]:
    """Every task a unit leads, takes part in or is responsible for, grouped by plan in document order."""
    titles = _titles(plans)
    return [duty_row(d, roles, titles) for d, roles in duty_rows(duties, plans, unit, matches)]


def duty_passages(duty, plans: Sequence) -> list[Passage]:
    """The sentence or note that assigns a task, for the passage panel."""
    if duty is None:
        return []
    return [Passage(duty.plan, _titles(plans).get(duty.plan, duty.plan), _section(duty) or "（正文开头）",
                    duty.start, duty.end)]


def count_text(n: int) -> str:
    """The row count shown above a table."""
    return f"共 {n} 条"


def column_widths(columns: Sequence[tuple[str, int]]) -> list[str]:
    return [f"{w}%" for _, w in columns]


def pick_row(rows: Sequence[Sequence], index, row_value) -> int | None:
    """Which row a table selection refers to: the row whose cells equal the selected row's (robust to the
    user sorting the table), else the selected index; None when out of range."""
    if row_value:
        shown = [str(v) for v in row_value]
        for i, row in enumerate(rows):
            if [str(v) for v in row] == shown:
                return i
    i = index[0] if isinstance(index, (list, tuple)) else index
    return i if isinstance(i, int) and 0 <= i < len(rows) else None


def task_choices(duties: Sequence, plans: Sequence) -> list[tuple[str, str]]:
    """(label, key) for the task picker; the key is the duty's index in ``duties``."""
    short = {p.id: (p.jurisdiction or p.title) for p in plans}
    order = _order(plans)
    indexed = sorted(enumerate(duties), key=lambda iv: (order.get(iv[1].plan, len(order)), iv[1].start or 0))
    return [(f"{short.get(d.plan, d.plan)}｜{_fmt(d.task)[:60]}", str(i)) for i, d in indexed]


def units_for_task(duty) -> list[list[str]]:
    """The units of one task with their roles."""
    return [[label, unit] for label, unit in duty_roles(duty)]


def plans_table(plans: Sequence, chunks: Sequence) -> list[list]:
    """The indexed plans with their metadata and how many chunks each contributes to the index."""
    counts = Counter(c.plan for c in chunks)
    return [[p.title, p.jurisdiction, getattr(p, "parent", ""), p.issuer, p.date, p.doc_number, p.status or "正式",
             p.chars, counts.get(p.id, 0), p.doc] for p in plans]


def write_csv(headers: Sequence[str], rows: Sequence[Sequence], path: str | Path) -> Path:
    """CSV with a BOM so Excel opens the Chinese text correctly."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path

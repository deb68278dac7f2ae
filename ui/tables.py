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

TARGET_HEADERS = ["规划", "领域", "指标", "单位", "基期值", "目标值", "指标性质"]
SAME_HEADERS = ["规划", "指标", "单位", "基期值", "目标值", "指标性质"]
DUTY_HEADERS = ["规划", "任务", "角色", "牵头单位", "参与单位", "章节"]
TASK_HEADERS = ["角色", "单位"]
PLAN_HEADERS = ["标题", "地区", "上级", "发文机关", "成文日期", "文号", "状态", "字数", "分块数", "文件"]
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


def target_row(t, titles: dict[str, str]) -> list[str]:
    return [titles.get(t.plan, t.plan), _fmt(getattr(t, "domain", "")), _fmt(t.indicator), _fmt(getattr(t, "unit", "")),
            _with_year(getattr(t, "baseline", ""), getattr(t, "baseline_year", "")),
            _with_year(getattr(t, "value", ""), getattr(t, "target_year", "")), _fmt(getattr(t, "nature", ""))]


def targets_table(targets: Sequence, plans: Sequence, plan: str | None = None, query: str = "") -> list[list[str]]:
    """Every target, optionally of one plan (id) and whose indicator contains all words of ``query``."""
    words = [_norm(w) for w in (query or "").split() if w.strip()]
    titles = _titles(plans)
    rows = []
    for t in _sorted(targets, plans):
        if plan and t.plan != plan:
            continue
        if words and not all(w in _norm(t.indicator) for w in words):
            continue
        rows.append(target_row(t, titles))
    return rows


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


def same_indicator(targets: Sequence, plans: Sequence, query: str, threshold: float = 0.6) -> list[list[str]]:
    """One row per plan: its target for the indicator that best matches ``query`` (or a 'not listed' row)."""
    if not (query or "").strip():
        return []
    best: dict[str, tuple[float, object]] = {}
    for t in targets:
        score = indicator_score(query, t.indicator)
        if score >= threshold and score > best.get(t.plan, (0.0, None))[0]:
            best[t.plan] = (score, t)
    rows = []
    for p in plans:
        if p.id in best:
            rows.append([p.title, *target_row(best[p.id][1], {})[2:]])
        else:
            rows.append([p.title, NOT_LISTED, "", "", "", ""])
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


def duties_for_unit(duties: Sequence, plans: Sequence, unit: str,
                    matches: Callable[[str, str], bool] = default_unit_matcher) -> list[list[str]]:
    """Every task a unit leads, takes part in or is responsible for, grouped by plan in document order."""
    if not (unit or "").strip():
        return []
    titles = _titles(plans)
    rows = []
    for d in _sorted(duties, plans):
        roles = list(dict.fromkeys(label for label, u in duty_roles(d) if matches(unit, u)))
        if roles:
            rows.append([titles.get(d.plan, d.plan), _fmt(d.task), "、".join(roles),
                         "、".join(getattr(d, "lead", ()) or getattr(d, "responsible", ()) or ()),
                         "、".join(getattr(d, "participants", ()) or ()), _section(d)])
    return rows


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

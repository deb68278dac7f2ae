"""What each column of an indicator table means, read from the words of its header cell.

Plans order their columns every way (序号 first or last, 属性 before the years, a 完成 column beside a
目标 column), so a column is known by its words, never by its position. The vocabulary is here once and
serves both the parser (is this run of short lines a table header?) and the fact extractor.
"""

from __future__ import annotations

import re

MARKS = "*＊★☆▲△※#＃"  # a serial or name marked as new, local or binding
YEAR = re.compile(r"((?:19|20)\d{2})\s*年?\s*(底|末)?")
BASE_WORDS = re.compile(r"基期|现状|基数|基线|现值|基准|实际")
GOAL_WORDS = re.compile(r"目标|预期(?!性)|规划值|期末")
DONE_WORDS = re.compile(r"完成(?!情况)|实现值|达成")  # achieved in a year; "实际" stays a baseline word

# (kind, words) in the order they are tried: "指标性质" is a nature column before it is an indicator one.
HEADER_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("nature", re.compile(r"性质|属性|类型")),
    ("row", re.compile(r"^(?:序号|编号)$")),
    ("domain", re.compile(r"领域|类别|分类|维度|方面")),
    ("unit", re.compile(r"^(?:计量)?单位")),
    ("status", re.compile(r"完成情况|是否完成|达标情况|完成状态")),
    ("note", re.compile(r"^(?:备注|说明|数据来源|责任单位|牵头单位)$")),
)
INDICATOR_WORDS = re.compile(r"指标|名称|项目|内容")
VALUE_KINDS = frozenset({"year", "base", "goal", "done"})

# The unit an indicator name carries in a trailing bracket: 每千人口床位数（张）, 孕产妇死亡率（1/10万）.
_MEASURES = ("%", "％", "‰", "‱", "岁", "人", "名", "张", "床", "个", "家", "所", "元", "万元", "亿元", "天",
             "小时", "分钟", "公里", "千米", "平方米", "人次", "万人次", "次", "项", "辆", "台", "支", "户", "例",
             "种", "个百分点")
_PER = r"(?:10万|十万|万|千|百)"
UNIT_BRACKET = re.compile(
    rf"[（(](?:单位[:：])?(?P<unit>(?:\d*/{_PER})|(?:{'|'.join(map(re.escape, sorted(_MEASURES, key=len, reverse=True)))})"
    rf"(?:/{_PER}?(?:人口|人)?)?)[)）]$"
)


def column_kind(cell: str) -> str:
    """nature | row | domain | unit | status | note | year | base | goal | done | indicator | "" (unknown)."""
    h = cell.replace(" ", "")
    for kind, words in HEADER_WORDS:
        if words.search(h):
            return kind
    if YEAR.search(h) or BASE_WORDS.search(h) or GOAL_WORDS.search(h) or DONE_WORDS.search(h):
        if DONE_WORDS.search(h):
            return "done"
        if BASE_WORDS.search(h):
            return "base"
        return "goal" if GOAL_WORDS.search(h) else "year"
    return "indicator" if INDICATOR_WORDS.search(h) else ""


def is_header(cells: list[str]) -> bool:
    """A plausible indicator-table header: every cell a known column, one names the indicator, one a year
    or a target, and no other kind twice (two 指标 cells mean the run has reached a data row)."""
    kinds = [column_kind(c) for c in cells]
    named = [k for k in kinds if k not in VALUE_KINDS]
    return (len(cells) >= 3 and all(kinds) and "indicator" in kinds and bool(VALUE_KINDS & set(kinds))
            and len(named) == len(set(named)))


def split_unit(indicator: str) -> tuple[str, str]:
    """(name, unit) for a name ending in a bracketed unit; a bracket that is part of the name stays
    (执业（助理）医师数, 药师（士）数)."""
    m = UNIT_BRACKET.search(indicator)
    if not m or m.start() == 0:
        return indicator, ""
    return indicator[: m.start()].rstrip(), m.group("unit")


def columns(header: tuple[str, ...]) -> dict | None:
    """Find the columns of an indicator table from its header; None when it has no target column.

    Year columns: an explicit base (现状/基期/实际) is the baseline; otherwise the earliest of several
    plain years is ("2020年 | 2025年"). A 完成 column, or a base column, for a year that also has a 目标
    column is that target's achievement ("2020年目标 | 2020年完成", "2020年目标 | 2020年实际").
    """
    cols: dict = {"targets": [], "done": {}}
    years: list[tuple[int, str, int]] = []
    for i, h in enumerate(header):
        kind = column_kind(h)
        if kind in VALUE_KINDS:
            m = YEAR.search(h)
            years.append((int(m.group(1)) if m else 0, kind, i))
        elif kind:
            cols.setdefault(kind, i)
    goal_years = {y for y, kind, _ in years if kind == "goal"}
    target_years = goal_years | {y for y, kind, _ in years if kind == "year"}
    for y, kind, i in years:
        if y and ((kind == "done" and y in target_years) or (kind == "base" and y in goal_years)):
            cols["done"].setdefault(y, i)
    years = [(y, "base" if kind == "done" else kind, i) for y, kind, i in years if i not in cols["done"].values()]
    has_base = any(kind == "base" for _, kind, _ in years)
    earliest = min((y for y in years if y[1] == "year"), default=None)  # "2020年 | 2025年": the first is the base
    for entry in years:
        if entry[1] == "base" or (not has_base and len(years) > 1 and entry == earliest):
            cols.setdefault("baseline", entry[2])
        else:
            cols["targets"].append(entry[2])
    if not cols["targets"]:
        return None
    if "indicator" not in cols:
        used = {v for k, v in cols.items() if k not in ("targets", "done")} | set(cols["targets"]) | set(cols["done"].values())
        cols["indicator"] = next((i for i in range(len(header)) if i not in used), None)
    return cols if cols["indicator"] is not None else None

"""Structured facts read from a plan: indicator targets and who is responsible for each task.

Questions such as "到2025年每千人口注册护士数要达到多少" or "急救体系建设谁牵头" are answered best from
records, not from retrieved prose. Every rule here is about how plans are written (indicator tables,
"到2025年，…达到…" sentences; duties are read in duties.py), never about a particular plan, and
every record keeps the raw offsets of the text it came from so it can be cited exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .columns import MARKS, YEAR, columns, split_unit
from .duties import Duty, extract_duties
from .parse import BOX, Block

__all__ = ["Duty", "Target", "extract_duties", "extract_targets"]


@dataclass(frozen=True)
class Target:
    """One indicator target: a table row, a prose sentence or a 专栏 item."""

    plan: str
    indicator: str
    value: str
    unit: str = ""
    baseline: str = ""
    baseline_year: str = ""
    target_year: str = ""
    nature: str = ""
    domain: str = ""
    table: str = ""
    row: int = 0
    marks: str = ""
    source: str = "table"  # "table" | "prose" | "box"
    section: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    table_start: int = 0  # table records: where the table's caption/header begins, for a self-contained quote
    achieved: str = ""  # review tables ("2020年目标 | 2020年完成"): what was achieved in the target year
    status: str = ""  # review tables: the 完成情况 cell (完成 / 未完成)
    past: bool = False  # from a review table: an earlier plan's target, never the plan's own


# ---------------------------------------------------------------- tables

_DEBRIS = re.compile(r"\[bookmark:[^\]]*\]|\*\*|\\(?=[\[\]*#_])")
_GAP = r"(?:\s|\*\*|\[bookmark:[^\]]*\]|\\)*"


def _year(text: str) -> str:
    m = YEAR.search(text)
    return f"{m.group(1)}年{m.group(2) or ''}" if m else ""


def _join_lines(text: str) -> str:
    """Drop line breaks inside a cell; keep a space where they separated two numbers (100\n57)."""

    def glue(m: re.Match) -> str:
        before, after = m.group(1) or "", m.group(2)
        return before + (" " if before.isdigit() and after.isdigit() else "")

    return re.sub(r"(.)?[ \t\u3000]*[\r\n]\s*(?=(.))", glue, text).replace("\t", "").strip()


def _raw_cells(raw: str, b: Block) -> list[str]:
    """Each cell as the plan wrote it (inner spaces kept), found right to left in the row's raw span.

    Right to left because a row's first cell may be a group label carried down from an earlier row.
    """
    out, end = [""] * len(b.cells), b.end
    for i in range(len(b.cells) - 1, -1, -1):
        chars = [ch for ch in b.cells[i] if not ch.isspace()]
        found = list(re.finditer(_GAP.join(map(re.escape, chars)), raw[b.start : end])) if chars else []
        if not found:
            out[i] = b.cells[i]
            continue
        end = b.start + found[-1].start()
        out[i] = _join_lines(_DEBRIS.sub("", found[-1].group()))
    return out


def _past_table(b: Block, cols: dict, limit: int) -> bool:
    """A review table: it records what was achieved (a 完成 column beside a 目标 column), or it sits
    under a 回顾/成效 heading and every year in its header is at most the plan's base year."""
    if cols["done"]:
        return True
    years = [int(m.group(1)) for h in b.header if (m := YEAR.search(h))]
    return bool(limit and years and max(years) <= limit
                and any(BACKGROUND.search(s) for s in (*b.section, b.table)))


def _table_targets(plan_id: str, raw: str, blocks: list[Block], limit: int = 0) -> list[Target]:
    """One record per target column of every indicator-table row; ``limit`` is the plan's base year."""
    out: list[Target] = []
    last_domain: dict[tuple, str] = {}
    for b in blocks:
        if b.kind != "row" or b.cut:
            continue
        cols = columns(b.header)
        if not cols:
            continue
        cells = list(b.cells) + [""] * (len(b.header) - len(b.cells))
        rawc = _raw_cells(raw, b) + [""] * (len(b.header) - len(b.cells))

        def cell(key: str, source: list[str] = cells, cols: dict = cols) -> str:
            i = cols.get(key)
            return source[i].strip() if i is not None else ""

        key = (b.table, b.header, b.section)
        domain = cell("domain") or last_domain.get(key, "")
        last_domain[key] = domain
        indicator, serial = cell("indicator"), cell("row")
        marks = "".join(ch for ch in serial + indicator[:1] + indicator[-1:] if ch in MARKS)
        indicator, bracket_unit = split_unit(indicator.strip(MARKS + " "))
        indicator = indicator.strip(MARKS + " ")
        number = re.search(r"\d+", serial)
        if not indicator:
            continue
        past = _past_table(b, cols, limit)
        for t in cols["targets"]:
            value = rawc[t].strip() or cells[t].strip()
            if not value:
                continue
            base_year = _year(b.header[cols["baseline"]]) if "baseline" in cols else ""
            m = YEAR.search(b.header[t])
            done = cols["done"].get(int(m.group(1))) if m else None
            out.append(Target(
                plan_id, indicator, value, unit=cell("unit") or bracket_unit, baseline=cell("baseline", rawc),
                baseline_year=base_year, target_year=_year(b.header[t]), nature=cell("nature"), domain=domain,
                table=b.table, row=int(number.group()) if number else b.row, marks=marks, source="table",
                section=b.section, start=b.start, end=b.end, table_start=b.table_start,
                achieved=(rawc[done].strip() or cells[done].strip()) if done is not None else "",
                status=cell("status"), past=past,
            ))
    return out


# ---------------------------------------------------------------- prose and 专栏

BACKGROUND = re.compile(r"背景|回顾|成效|成绩|成就|现状|(?:发展|规划|现实|工作)基础|形势|机遇|挑战|主要问题")
_CN = "一二三四五六七八九"
_NUM = r"\d+(?:\.\d+)?"
_RANGE = rf"{_NUM}[%‰]?(?:[—\-－~～至]{_NUM})?"
_UNIT = (r"(?:%|％|‰|‱|个百分点|(?:万|亿|千|百)?(?:平方米|平方公里|公里|分钟|小时|人次|张床位|个|家|所|张|人|名|岁|"
         r"天|次|元|座|辆|支|套|项|条|处|级|床|倍|类|克|台|件|例|户|分))?(?:/(?:10万|十万|万|千|百)(?:人口|人)?)?")
_QUAL = r"(?:（含）)?(?:以上|以下|左右|以内)?"
_ONE = rf"(?:{_RANGE}{_UNIT}|[{_CN}十]+级(?:（含）)?){_QUAL}"
_VALUE = rf"{_ONE}(?:[、和与及]{_ONE})*"
_REACH = ("提高到|提高至|提升到|提升至|增加到|增加至|增长到|增长至|降低到|降低至|下降到|下降至|减少到|减少至|缩短到|"
          "缩短至|控制在|保持在|维持在|稳定在|降至|降到|分别为|达到|达")
_BOUND = "不低于|不少于|不超过|不高于|不大于|不小于|低于|高于|超过|少于|大于|小于|突破|至少"
_CHANGE = "降低|下降|减少|提高|提升|增加|增长|上升|缩短"
_MEASURES = (
    ("reach", re.compile(rf"^(?P<ind>.+?)(?P<verb>{_REACH})(?P<val>{_VALUE})$")),
    ("change", re.compile(rf"^(?P<ind>.+?)(?P<mod>(?:力争|争取)?(?:每年|逐年|年均)?(?:较\d{{4}}年底?)?)"
                          rf"(?P<verb>{_CHANGE})(?P<val>(?:{_BOUND})?{_VALUE})$")),
    ("bound", re.compile(rf"^(?P<ind>.+?)(?P<mod>(?:力争|争取)?)(?P<verb>{_BOUND})(?P<val>{_VALUE})$")),
    ("share", re.compile(rf"^(?P<ind>[^占]{{2,30}}占[^占]{{2,30}}?)的?(?P<val>{_VALUE})$")),
    ("beds", re.compile(rf"^(?P<ind>[^\d]{{0,12}}?(?:床位数?|病床))(?P<val>{_NUM}张{_QUAL})$")),
)
_CONT = re.compile(rf"^(?P<ind>[^\d]{{2,30}}?(?:数|率|比例|比重|占比|半径|水平|寿命|人数|规模))(?P<val>{_VALUE})$")
_COUNT_VERBS = ("争创|创建|创成|建成|建设|新建|新增|培育|培养|打造|评选|招引|引进|遴选|选派|培训|设立|建立|组建|推广|"
                "认定|扶持")
_CLS = r"(?:个|家|所|处|名|人|张|支|项|座|套|条|间|批)"
_COUNT = rf"(?:不少于|至少|超过)?{_NUM}(?:[—\-－~～]{_NUM})?{_CLS}(?:以上|左右)?"
_ITEM_PRE = re.compile(rf"^(?P<val>{_COUNT})(?P<obj>[^\d%]{{2,40}})$")
_ITEM_POST = re.compile(rf"^(?P<obj>[^\d%]{{2,40}}?)(?P<val>{_COUNT})$")
_FACILITY = r"(?:中心|医院|院区|项目|基地|平台|系统|大楼|综合楼|学院|卫生院|卫生室|实验室)"
_DONE = r"(?:全部|全面|基本|如期)?(?:建成(?:并)?(?:投用|启用|投入使用|运行)?|投入使用|启用|投用)"
_DONE_POST = re.compile(rf"^(?P<ind>[^\d]{{2,60}}?{_FACILITY})(?P<val>{_DONE})$")
_DONE_PRE = re.compile(rf"^(?P<val>{_DONE})(?P<ind>[^\d]{{2,40}}{_FACILITY})$")
_ITEM_MARK = re.compile(r"^(?:——|—|[（(][一二三四五六七八九十\d]{1,3}[）)]|[①-⑳])\s*")
_CTX = re.compile(rf"^(?:力争|争取|计划)?(?P<past>截至|截止)?(?:到|至|于|在)?(?P<y>(?:19|20)\d{{2}})年"
                  rf"(?P<s>年底前|底前|底|末|前|以前)?|^“?(?P<p>十[{_CN}]五)”?(?:期间|时期|末)")
_LEAD = re.compile(r"^(?:其中|并且|并(?!发)|且|同时|确保|力争|争取|努力|使(?!用)|让|将|把|实现|达到)+")
_TAIL = re.compile(r"(?:分别|均|都|全部|力争|争取|将|稳步|逐步|能够|继续|持续|进一步|基本)+$")
_LABEL = re.compile(r"(?P<label>[^：:。，,；;]{2,40})[：:]")


def _period(text: str) -> int:
    """Last year before the plan's own five-year period (十四五 → 2020), 0 when not stated."""
    ns = [10 + _CN.index(m) + 1 for m in re.findall(rf"十([{_CN}])五", text)]
    return 1956 + 5 * (max(ns) - 1) - 1 if ns else 0


def _clauses(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Clause spans of text[lo:hi], split on ，；,; outside brackets."""
    out, depth, start = [], 0, lo
    for i in range(lo, hi + 1):
        ch = text[i] if i < hi else "，"
        depth += int(ch in "（(“") - int(ch in "）)”")
        if (ch in "，,；;" and depth <= 0) or i == hi:
            s, e = start, i
            while s < e and text[s].isspace():
                s += 1
            if e > s:
                out.append((s, e))
            start, depth = i + 1, max(depth, 0)
    return out


def _clean_ind(ind: str, longest: int = 40) -> str:
    """The noun phrase before the verb, without connectives and adverbs; "" when implausible or past."""
    if re.search(r"已经?$|曾$", ind.strip()):
        return ""
    ind = _LEAD.sub("", _TAIL.sub("", ind.strip())).strip("“”、 ")
    return ind if 2 <= len(ind) <= longest and re.search(r"[\u4e00-\u9fff]", ind) else ""


def _measure(clause: str, label: str) -> tuple[str, str] | None:
    for kind, pat in _MEASURES:
        m = pat.match(clause)
        if not m:
            continue
        ind = _clean_ind(m.group("ind"))
        if kind == "beds" and label and not re.search(_FACILITY + "$", ind):
            ind = _clean_ind(label + ind) or ind
        if not ind:
            return None
        val = m.group("val")
        if kind in ("bound", "change"):
            val = m.group("mod") + m.group("verb") + val
        return ind, val
    return None


def _count(clause: str, verb: str = "") -> tuple[str, list[tuple[str, str]]] | None:
    """ "争创5个X" / "建设X3个" / "培育10个X、100个Y" → (verb, [(indicator, value)]).

    With verb given the clause continues a list ("…1个，中医学术流派工作室1个"). Otherwise every count
    verb in the first 15 characters is tried, the latest first.
    """
    starts = [(clause[: m.start()], m.group(), clause[m.end() :]) for m in re.finditer(_COUNT_VERBS, clause)]
    tries = [("", verb, clause)] if verb else [t for t in reversed(starts) if len(t[0]) <= 15]
    for pre, verb_, rest in tries:
        if re.search(r"\d", pre):
            continue
        bound = re.search(r"(?:至少|不少于)$", pre)
        head = pre[: bound.start()] if bound else pre
        head = _TAIL.sub("", head) if head.startswith("每") else ""
        for items in (rest.split("、"), [rest]):
            found = []
            for item in items:
                m = _ITEM_PRE.match(item) or _ITEM_POST.match(item)
                if not m:
                    break
                obj = m.group("obj").strip("，、 ")
                found.append((f"{head}{verb_}{obj}", (bound.group() + verb_ if bound else "") + m.group("val")))
            else:
                if found and all(2 <= len(i) <= 50 for i, _ in found):
                    return verb_, found
    return None


def _prose_targets(plan_id: str, raw: str, blocks: list[Block], base_year: int) -> list[Target]:
    out: list[Target] = []
    for b in blocks:
        if b.kind != "para" or not b.pos or any(BACKGROUND.search(s) for s in b.section):
            continue
        source = "box" if b.section and BOX.match(b.section[-1]) else "prose"
        text, marks, label, lo = b.text, "", "", 0
        first_break = text.find("\n")
        if 0 < first_break <= 60:  # the block opens with its bare heading line (see parse.py)
            lo = first_break + 1
        item_start = lo
        m = _LABEL.match(text, lo)
        if m and source == "box":
            label, lo = m.group("label"), m.end()
            marks = "".join(ch for ch in label if ch in MARKS)
            label = label.strip(MARKS)
        for sm in re.finditer(r"[^。！？!?\n]+[。！？!?]?", text[lo:]):
            s_lo, s_hi = lo + sm.start(), lo + sm.end()
            while s_lo < s_hi and text[s_lo].isspace():
                s_lo += 1
            if s_hi <= s_lo or re.search(r"截至|截止", text[s_lo:s_hi]):
                continue
            year, past, prev, verb = "", False, "", ""
            for c_lo, c_hi in _clauses(text, s_lo, s_hi):
                clause = text[c_lo:c_hi].rstrip("。！？!?")
                clause = re.sub(r"(?<=.)[（(][^（）()]*[）)]$", "", clause)  # 1500张（其中…）, …（牵头…）
                clause = _ITEM_MARK.sub("", clause, count=1)  # "——到2025年", "（一）到2025年": the year is still read
                ctx = _CTX.match(clause)
                if ctx:
                    if ctx.group("p"):
                        n = 10 + _CN.index(ctx.group("p")[1]) + 1
                        past = bool(base_year) and 1956 + 5 * (n - 1) <= base_year
                        year = ctx.group().lstrip("力争取计划")
                    else:
                        y = int(ctx.group("y"))
                        past = bool(ctx.group("past")) or bool(base_year and y <= base_year)
                        suffix = next((c for c in "底末" if c in (ctx.group("s") or "")), "")
                        year = f"{y}年{suffix}"
                    clause = clause[ctx.end():].lstrip("，, ")
                if past or not clause:
                    continue
                found: list[tuple[str, str]] = []
                kind = ""
                hit = _measure(clause, label)
                if hit:
                    found, kind = [hit], "measure"
                elif prev == "measure" and (m := _CONT.match(clause)) and _clean_ind(m.group("ind")):
                    found, kind = [(_clean_ind(m.group("ind")), m.group("val"))], "measure"
                elif (c := _count(clause)) or (prev == "count" and (c := _count(clause, verb))):
                    (verb, found), kind = c, "count"
                elif year and not year.startswith(("“", "十")):
                    m = _DONE_POST.match(clause) or _DONE_PRE.match(clause)
                    if m and _clean_ind(m.group("ind"), 60):
                        found, kind = [(_clean_ind(m.group("ind"), 60), m.group("val"))], "done"
                prev = kind
                for ind, val in found:
                    cite = item_start if label and s_lo == lo else s_lo  # a 专栏 item's first sentence cites its name
                    out.append(Target(plan_id, ind, val, target_year=year, marks=marks, source=source,
                                      section=b.section, start=b.pos[cite], end=b.pos[s_hi - 1] + 1))
    return out


def extract_targets(plan_id: str, raw: str, blocks: list[Block]) -> list[Target]:
    """Indicator targets from the plan's tables, then from its prose and 专栏 boxes (plan order)."""
    table = _table_targets(plan_id, raw, blocks, _period(raw))
    years = [int(t.baseline_year[:4]) for t in table if t.baseline_year[:4].isdigit() and not t.past]
    base = min(years) if years else _period(raw)
    seen: set[tuple] = set()
    prose = []
    for t in _prose_targets(plan_id, raw, blocks, base):
        if (t.indicator, t.value, t.start) not in seen:
            seen.add((t.indicator, t.value, t.start))
            prose.append(t)
    return table + prose

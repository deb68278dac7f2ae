"""Checking an LLM's text against the passages it cites, sentence by sentence.

LLMs quietly change numbers and invent departments. So every sentence must carry [n] markers, and every
number with its unit, every year, every department or unit name and every quoted phrase in it must occur
in the evidence of the citations it marks: the cited passage (title, section path, quote) plus the
assistant's own verified answer lines that cite it (a table row's figure is stated there with its unit).
A figure must also measure what the sentence says it measures: the evidence clause (table row, phrase
between commas) closest in wording to the sentence's words before it must hold it, so another indicator's
figure from the same passage fails. Comparison is on normalised text (``search.normalise``, whitespace and
markdown removed). A sentence that fails, or has no marker, is dropped; ``answers`` says whether what is
left still answers the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .answer import ASKS_FIGURE, Answer, Citation
from .search import normalise
from .units import looks_like_body, names_body, unit_matches

MARKER = re.compile(r"\[(\d+)\]")
THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S)  # reasoning models (DeepSeek-R1, Qwen3) think aloud
_SENTENCE = re.compile(r".*?(?:[。！？!?]+|\n|$)(?:\s*\[\d+\])*", re.S)  # clauses joined by ； are one sentence
_CJK = "\u4e00-\u9fff"
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")
_CLAUSE = re.compile(r"[^，,、；;。！？!?\n]+")

# Measure words a number may carry; longest first so 万元 is not read as 万 + 元.
MEASURES: tuple[str, ...] = (
    "个百分点", "百分点", "平方米", "公里", "小时", "分钟", "人次", "万人", "万元", "亿元", "千元", "元",
    "%", "‰", "人", "张", "所", "家", "个", "名", "岁", "天", "年", "月", "周", "次", "项", "倍", "户", "例",
    "辆", "台", "支", "套", "级", "床", "类", "种", "批", "座", "间", "处", "条", "份", "万", "亿",
)
_MEASURE = "|".join(re.escape(m) for m in MEASURES)
NUMBER = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*((?:[万亿千百](?={_MEASURE}))?(?:{_MEASURE})?)")
CN_COUNT = re.compile(rf"[一二三四五六七八九十两][一二三四五六七八九十两百千万]*(?:{_MEASURE})")
QUOTED = re.compile(r"“([^“”]{2,})”|\"([^\"]{2,})\"|「([^「」]{2,})」|《([^《》]{2,})》|‘([^‘’]{2,})’")

# Where a unit name ends; 部 only in the party departments' names (干部, 全部, 西部 are not bodies).
UNIT_END = re.compile(r"委员会|办公室|管委会|办事处|分局|政府|(?:宣传|组织|统战|武装)部|工会|妇联|残联|科协|团委|中心|局|委|办|厅")
# Words that end like a unit but are not one: what stands before or after the end.
NOT_UNIT_BEFORE = re.compile(r"(?:布|格|大|全|开|结|僵|当|邮|药|赛|饭)局$|(?:举|主|承|创|兴|开|督|交|包|代|帮|民|公|查|协|申|筹|试|合)办$|"
                             r"(?:大|餐|客|展|门|舞)厅$")
NOT_UNIT_AFTER = re.compile(r"^(?:托|派|员(?!会)|屈|婉|面|限|势|理|医|学|事|法|好|实|结|成|件|案)")
# Words after which a unit name starts ("由区卫健局牵头", "会同区财政局").
CONNECTIVES = ("由", "经", "请", "会同", "联合", "配合", "协助", "牵头", "负责", "参与", "等", "在", "对", "将",
               "向", "为", "是", "同", "按", "要求", "督促", "推动", "指导", "支持", "鼓励", "组织", "依托", "通过",
               "协调", "明确", "其中")
_BOUNDARY = re.compile("|".join(sorted(map(re.escape, CONNECTIVES), key=len, reverse=True))
                       + r"|(?<=[局委办部会府])(?:和|及|与|以及)(?=[省市区县州盟旗镇乡各])")
MIN_UNIT_CHARS = 3


def _plain_numbers(text: str) -> str:
    """1,200 → 1200, before NFKC turns the Chinese comma (never a thousands separator) into ','."""
    return _THOUSANDS.sub(lambda m: m.group().replace(",", ""), text)


def squash(text: str) -> str:
    """Text as compared: NFKC, lower case, no whitespace (one space between two numbers), no markdown bold,
    no thousands separators."""
    text = _plain_numbers(text)
    text = re.sub(r"(?<=\d)\s+(?=\d)", " ", normalise(text).replace("**", ""))  # table cells: 4.39 7.5 stay two
    return re.sub(r"(?! )\s+|(?<!\d) +| +(?!\d)", "", text)


@dataclass(frozen=True)
class Checked:
    """One sentence of the LLM's text and what happened to it (``reason`` is empty when it passed)."""

    text: str
    markers: tuple[int, ...]
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class Verdict:
    kept: tuple[Checked, ...]
    dropped: tuple[Checked, ...]
    answers: bool
    why_not: str = ""  # why what is left does not answer (empty when it does)


def sentences(text: str) -> list[str]:
    """Split at sentence ends and line breaks; the [n] markers after a full stop stay with its sentence."""
    out = []
    for m in _SENTENCE.finditer(THINK.sub("", text)):
        s = m.group().strip()
        if s:
            out.append(s)
    return out


def cited(answer: Answer) -> list[Citation]:
    """The citations the answer relies on (marked in its text or carrying answering sentences); the other
    retrieved passages are not evidence, so the LLM neither sees nor may cite them."""
    marked = {int(n) for n in MARKER.findall(answer.text)}
    return [c for c in answer.citations if c.n in marked or c.highlights]


def _own_lines(answer: Answer, n: int) -> list[str]:
    return [ln for ln in answer.text.splitlines() if f"[{n}]" in ln and not ln.startswith(("出处：", "Sources:"))]


def evidence(answer: Answer) -> dict[int, str]:
    """Citation number → squashed evidence: title, section, quote and the answer lines that cite it."""
    return {c.n: squash("\n".join([c.title, c.section, c.quote, *_own_lines(answer, c.n)])) for c in cited(answer)}


def evidence_clauses(answer: Answer) -> dict[int, list[str]]:
    """Citation number → its clauses (table rows, comma-separated phrases), to bind figures to what they measure."""
    return {c.n: [squash(k) for src in [c.quote, *_own_lines(answer, c.n)] for k in _CLAUSE.findall(_plain_numbers(MARKER.sub("", src)))]
            for c in cited(answer)}


def _grams(text: str) -> set[str]:
    text = re.sub(r"[\d.%‰\s]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _bound(num: str, label: str, clauses: list[str]) -> bool:
    """A figure belongs to what the sentence says it measures: among the evidence clauses that give figures,
    those closest in wording to the sentence's words before the figure must contain it (so another
    indicator's figure from the same passage fails). Words that match no clause, or a figure that stands
    in a cell of its own (one cell per line), leave plain occurrence."""
    if any(not _grams(k) for k in clauses if _number_in(num, "", k)):
        return True
    words = _grams(label)
    scored = [(len(words & _grams(k)), k) for k in clauses if re.search(r"\d", k)]
    best = max((s for s, _ in scored), default=0)
    return best == 0 or any(_number_in(num, "", k) for s, k in scored if s == best)


def numbers(text: str) -> list[tuple[str, str]]:
    """(number, measure) pairs in a text without its markers; Chinese numerals only with a measure."""
    plain = squash(MARKER.sub("", text))
    found = [(m.group(1), m.group(2)) for m in NUMBER.finditer(plain)]
    return found + [(m.group(), "") for m in CN_COUNT.finditer(plain)]


def _number_in(num: str, measure: str, ev: str) -> bool:
    if not num.isascii():
        return num in ev
    lead = r"(?<![\d.])" + re.escape(num) + r"(?!\.?\d)"
    if measure and not (measure == "年" and len(num) == 4):  # 2025年 is a year, found as 2025 in a header
        return re.search(lead + re.escape(measure), ev) is not None
    return re.search(lead, ev) is not None


def _starts(run: str) -> list[int]:
    return sorted({0, *(m.end() for m in _BOUNDARY.finditer(run))})


def unit_mentions(text: str) -> list[list[str]]:
    """Unit names in a text: for each, the candidate spellings (from each word boundary to the name's end)."""
    out = []
    for run in re.findall(f"[{_CJK}]+", normalise(MARKER.sub("", text))):
        starts = _starts(run)
        ends = list(UNIT_END.finditer(run))
        for k, m in enumerate(ends):
            if k + 1 < len(ends) and ends[k + 1].start() == m.end():
                continue  # 委员会办公室, 政府办: the name goes on
            if NOT_UNIT_BEFORE.search(run[:m.end()]) or NOT_UNIT_AFTER.match(run[m.end():]):
                continue
            cands = [run[s:m.end()] for s in starts if s < m.start() and m.end() - s >= MIN_UNIT_CHARS]
            strong = m.group() not in ("政府", "中心")
            if any(names_body(c) or (strong and looks_like_body(c)) for c in cands):
                out.append(cands)
    return out


def _place(name: str) -> str:
    m = re.match(rf"^(?:[{_CJK}]{{2,5}}?(?:省|自治区|自治州|市|区|县|旗))+", name)
    return m.group() if m else ""


def _unit_in(cands: list[str], ev: str, ev_units: list[str]) -> bool:
    """Some spelling occurs in the evidence, or names the same body as a unit there (区卫健局 = 区卫生健康局)
    without a place the evidence does not name."""
    if any(squash(c) in ev for c in cands):
        return True
    for c in cands:
        place = _place(c)
        if place and squash(place) not in ev:
            continue
        if any(unit_matches(c, u) for u in ev_units):
            return True
    return False


def _figures_bound(sentence: str, clauses: list[str]) -> str:
    """The first figure (not a year) of the sentence that another clause of the evidence measures, or ''."""
    for clause in _CLAUSE.findall(squash(MARKER.sub("", sentence))):
        for m in NUMBER.finditer(clause):
            num = m.group(1)
            if re.fullmatch(r"(?:19|20)\d\d", num):
                continue
            if not _bound(num, clause[:m.start()], clauses):
                return num + m.group(2)
    return ""


def check_sentence(sentence: str, ev: dict[int, str], ev_units: dict[int, list[str]],
                   ev_clauses: dict[int, list[str]] | None = None) -> Checked:
    marks = tuple(dict.fromkeys(int(n) for n in MARKER.findall(sentence)))
    if not marks:
        return Checked(sentence, marks, "没有引用标注")
    if any(n not in ev for n in marks):
        return Checked(sentence, marks, "引用编号不存在")
    text = "".join(ev[n] for n in marks)
    units = [u for n in marks for u in ev_units[n]]
    for num, measure in numbers(sentence):
        if not _number_in(num, measure, text):
            return Checked(sentence, marks, f"数字“{num}{measure}”不在所引原文中")
    if ev_clauses is not None:
        unbound = _figures_bound(sentence, [k for n in marks for k in ev_clauses[n]])
        if unbound:
            return Checked(sentence, marks, f"数字“{unbound}”在所引原文中属于另一项内容")
    for cands in unit_mentions(sentence):
        if not _unit_in(cands, text, units):
            return Checked(sentence, marks, f"单位“{cands[-1]}”不在所引原文中")
    for m in QUOTED.finditer(MARKER.sub("", sentence)):
        phrase = next(g for g in m.groups() if g)
        if squash(phrase) not in text:
            return Checked(sentence, marks, f"引文“{phrase}”不在所引原文中")
    return Checked(sentence, marks)


def _asks_figure(answer: Answer) -> bool:
    return answer.kind in ("target", "compare") or bool(ASKS_FIGURE.search(answer.question))


def _answers(answer: Answer, kept: list[Checked]) -> str:
    """Why the kept sentences do not answer the question ('' when they do)."""
    if not kept:
        return "没有通过核验的句子"
    by_n = {c.n: c.plan for c in answer.citations}
    want = {by_n[int(n)] for n in MARKER.findall(answer.text) if int(n) in by_n}
    got = {by_n[n] for k in kept for n in k.markers}
    if want - got:
        return "保留的句子没有覆盖答案涉及的每一份规划"
    if _asks_figure(answer) and not any(n for k in kept for n, _ in numbers(k.text) if not re.fullmatch(r"(?:19|20)\d\d", n)):
        return "问题问的是数字，保留的句子没有给出数字"
    if answer.kind == "duty" and not any(unit_mentions(k.text) for k in kept):
        return "问题问的是责任单位，保留的句子没有给出单位"
    return ""


def verify(text: str, answer: Answer) -> Verdict:
    """Check each sentence of ``text`` (an LLM's rewrite of ``answer``) against the passages it cites."""
    ev = evidence(answer)
    ev_units = {n: [c for cands in unit_mentions(e) for c in cands] for n, e in ev.items()}
    clauses = evidence_clauses(answer)
    checked = [check_sentence(s, ev, ev_units, clauses) for s in sentences(text)]
    kept = [c for c in checked if c.ok]
    why = _answers(answer, kept)
    return Verdict(tuple(kept), tuple(c for c in checked if not c.ok), not why, why)

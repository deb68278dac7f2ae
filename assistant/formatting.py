"""How answers read: every line and source label an answer shows is worded here, nowhere else.

Target and duty lines, the "not stated" notes, the heading line of a locate answer, the plan header, the
出处/Sources list, and joining two answers into one. Pure functions over the answer's parts.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .answer import Answer, Citation, is_english
from .facts import Duty, Target
from .ocr import scan_note
from .parse import SEP

NO_VALUE = ("", "-", "--", "—", "——", "/", "／", "无", "…")  # a table cell that states no figure


def _per_unit(unit: str) -> bool:
    """A rate unit (/10万, 1/10万) reads wrongly glued to its value ("<121/10万"): it is stated apart."""
    return bool(re.match(r"[\d/]", unit))


def _value(t: Target) -> str:
    unit = t.unit if t.unit and t.unit not in t.value and not _per_unit(t.unit) else ""
    return f"{t.value}{unit}" if re.match(r"^[\d.＞＜<>≤≥]+$", t.value.replace(" ", "")) else t.value


def target_line(t: Target, english: bool = False) -> str:
    """One target in words an official can paste: indicator, target, baseline, nature, source."""
    year = t.target_year or ""
    parts = [f"{t.indicator}：{year}目标 {_value(t)}" if year else f"{t.indicator}：目标 {_value(t)}"]
    if t.unit and _per_unit(t.unit):
        parts[0] += f"（单位 {t.unit}）"
    if t.achieved:
        parts.append(f"{year}实际完成 {t.achieved}" if year else f"实际完成 {t.achieved}")
    if t.status:
        parts.append(f"完成情况 {t.status}")
    if t.baseline.strip() not in NO_VALUE:
        parts.append(f"{t.baseline_year}基期 {t.baseline}" if t.baseline_year else f"基期 {t.baseline}")
    if t.nature:
        parts.append(t.nature)
    where = f"{t.table}第{t.row}项" if t.source == "table" and t.row else ("专栏" if t.source == "box" else "正文")
    return "，".join(parts) + f"（{where}）"


def duty_line(d: Duty) -> str:
    """Lead and participating units exactly as listed (every one of them)."""
    parts = []
    if d.lead:
        parts.append("牵头：" + "、".join(d.lead))
    if d.participants:
        parts.append("参与：" + "、".join(d.participants))
    if d.responsible:
        parts.append("责任单位：" + "、".join(d.responsible))
    task = f"“{d.task}”" if d.task else "该项任务"
    return f"{task}——" + "；".join(parts) + "。"


def unstated_line(parts: list[str]) -> str:
    """The note that opens a multi-part answer some of whose parts the plan does not state."""
    return "；".join(f"规划未提及“{p}”的目标或数值" for p in parts) + "。以下为规划写明的部分："


def whose(line: str, citations: list[Citation]) -> str:
    """The line with its plan's title before it, from the first source it cites."""
    n = re.search(r"\[(\d+)\]", line)
    if line.startswith("《") or not n or int(n.group(1)) > len(citations):
        return line
    return f"《{citations[int(n.group(1)) - 1].title}》：{line}"


def located(question: str, lines: list[str], cited: Citation) -> list[str]:
    """"哪一章/哪一条讲X" (the caller checks the question asks where): the answer first names the section that
    says it (its heading path), then quotes."""
    if not cited.section:
        return lines
    head = "Section: " if is_english(question) else "所在部分："
    return [f"{head}《{cited.title}》{cited.section.replace(SEP, ' › ')}[{cited.n}]", *lines]


def renumber(lines: list[str]) -> tuple[str, ...]:
    """Lines each citing its own span, numbered again from [1] after some were dropped."""
    return tuple(re.sub(r"\[\d+\]$", "", line) + f"[{i + 1}]" for i, line in enumerate(lines))


_SOURCES = re.compile(r"\n(?:出处：|Sources: )")


def body(text: str) -> str:
    """An answer's text without its list of sources."""
    return _SOURCES.split(text)[0]


def joined(first: Answer, second: Answer) -> Answer:
    """Two answers as one: the second's lines (its plan header dropped when it is the first's) and sources
    numbered on after the first's."""
    off = len(first.citations)
    lines = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + off}]", body(second.text)).split("\n")
    head = body(first.text).split("\n")
    if lines[0].endswith(("：", ":")) and lines[0] == head[0]:
        lines = lines[1:]
    cited = (*first.citations, *(replace(c, n=c.n + off) for c in second.citations))
    text = "\n".join([*head, *lines])
    shown = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    return replace(first, text=text + sources([c for c in cited if c.n in shown], is_english(first.question)),
                   citations=cited)


def answer_text(english: bool, title: str | None, lines: list[str], cited: list[Citation]) -> str:
    """Answer lines under the plan title (when there is one plan), then where each cited passage is."""
    head = "" if title is None else (f"According to 《{title}》:\n" if english else f"据《{title}》：\n")
    return head + "\n".join(lines) + sources(cited, english)


def sources(cited: list[Citation], english: bool) -> str:
    """The 出处/Sources line: each cited passage's label."""
    return ("\nSources: " if english else "\n出处：") + "；".join(label(c, english) for c in cited)


def label(c: Citation, english: bool = False) -> str:
    """[n] plan title › section path (the notice header has no section), then its page and whether it is OCR text."""
    return f"[{c.n}] {c.title}" + (f" › {c.section}" if c.section else "") + scan_note(c.page, c.ocr_confidence, english)

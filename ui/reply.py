"""Reply drafts (答复口径): an answer turned into a paragraph staff can paste into a reply to a public enquiry.

The wording is the plan's own, quoted, with the plan title and section cited; when the plans do not
say it, the draft says so rather than paraphrasing nearby text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .render import MARKER

SEP = " › "
_LINE = re.compile(r"^(?:《[^》]*》[：:]?)?(?P<text>.*?)(?P<marks>(?:\[\d+\])+)\s*$")
_END = "。！？；!?"


def section_ref(section: str) -> str:
    """'三、主要任务 › （四）推进…' → '“三、主要任务”之“（四）推进…”' (empty for text before the first heading)."""
    parts = [p.strip() for p in section.split(SEP) if p.strip()]
    return "之".join(f"“{p}”" for p in parts)


def clean_text(text: str) -> str:
    """Plan text as it should read in a reply: conversion debris and line breaks removed, no spaces beside CJK."""
    text = re.sub(r"\s+", " ", text.replace("**", "")).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", text)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("**", ""))


def _quote(sentences: list[str]) -> str:
    """Join verbatim sentences into one quotation; inner double quotes become single ones, as in official style."""
    out = ""
    for s in sentences:
        s = clean_text(s).replace("“", "‘").replace("”", "’")
        if out and out[-1] not in _END:
            out += "；"
        out += s
    return f"“{out}”" + ("" if out and out[-1] in _END else "。")


def _statement(sentences: list[str]) -> str:
    """Sentences the assistant composed (from a table row or a responsibility note): stated, not quoted."""
    text = "；".join(clean_text(s).rstrip("。；") for s in sentences)
    return f"{text}。"


def _wording(citation, sentences: list[str]) -> str:
    """Quote the plan only with its own words: the answer sentences when they are verbatim, else the marked
    prose of the passage, else (table rows) the composed sentence without quotation marks."""
    quote = _squash(citation.quote)
    if all(_squash(s) in quote for s in sentences):
        return "：" + _quote(sentences)
    marked = [citation.quote[a - citation.start:b - citation.start] for a, b in citation.highlights]
    if marked and not any("\t" in m for m in marked):
        return "：" + _quote([m.strip().strip("（）()") for m in marked])
    return "，" + _statement(sentences)


def answer_groups(answer) -> list[tuple[int, list[str]]]:
    """(citation number, answer sentences) in the order the answer gives them, consecutive ones merged."""
    groups: list[tuple[int, list[str]]] = []
    for line in answer.text.splitlines():
        m = _LINE.match(line.strip())
        if not m or line.startswith(("出处：", "Sources:")):
            continue
        n = int(MARKER.findall(m.group("marks"))[0])
        if groups and groups[-1][0] == n:
            groups[-1][1].append(m.group("text"))
        else:
            groups.append((n, [m.group("text")]))
    return groups


def _titles(answer, plans: Sequence | None) -> list[str]:
    if plans:
        chosen = [p for p in plans if not answer.plans or p.id in answer.plans]
        return [p.title for p in chosen]
    return list(dict.fromkeys(c.title for c in answer.nearby))


def draft_reply(answer, plans: Sequence | None = None) -> str:
    """A formal reply paragraph: '根据《规划》“章”之“节”部分：“原文”。' for each cited passage."""
    question = answer.question.strip().rstrip("？?")
    head = f"您好！关于您咨询的“{question}”问题，经查阅相关规划，现答复如下："
    if answer.abstained:
        titles = "、".join(f"《{t}》" for t in _titles(answer, plans)) or "相关规划"
        body = [f"经查阅{titles}，规划中未对此作出具体规定。如需进一步了解，建议咨询相关主管部门。"]
        return "\n".join([f"您好！关于您咨询的“{question}”问题，现答复如下：", *body, "感谢您的关注与支持。"])
    by_n = {c.n: c for c in answer.citations}
    body = []
    for n, sentences in answer_groups(answer):
        c = by_n.get(n)
        if c is None:
            continue
        ref = section_ref(c.section)
        where = f"《{c.title}》{ref}部分" if ref else f"《{c.title}》"
        body.append(f"根据{where}{_wording(c, sentences)}")
    if not body:  # answer text in an unexpected shape: fall back to the cited passages' marked sentences
        for c in answer.citations:
            if c.highlights:
                sentences = [c.quote[a - c.start:b - c.start] for a, b in c.highlights]
                ref = section_ref(c.section)
                body.append(f"根据《{c.title}》{ref}{'部分' if ref else ''}：{_quote(sentences)}")
    return "\n".join([head, *dict.fromkeys(body), "感谢您的关注与支持。"])


def reply_md(text: str, path: str | Path) -> Path:
    """Write the draft as Markdown (one paragraph per line) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(line.strip() for line in text.splitlines() if line.strip())
    path.write_text(f"# 答复口径\n\n{body}\n", encoding="utf-8")
    return path


def reply_docx(text: str, path: str | Path) -> Path:
    """Write the draft as a Word document in 仿宋 (the usual face for official replies) and return the path."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "仿宋"
    style.font.size = Pt(14)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")
    doc.add_heading("答复口径", level=1)
    for line in text.splitlines():
        if line.strip():
            doc.add_paragraph(line.strip())
    doc.save(str(path))
    return path

"""Reply drafts (答复口径): an answer turned into a paragraph staff can paste into a reply to a public enquiry.

The wording is the plan's own: every span inside quotation marks is plan text exactly (only line breaks,
conversion debris and spaces beside CJK removed), and separate pieces get separate quotation marks, so a
reader never sees a duty note and an unrelated sentence presented as one quoted passage. When the plans do
not say it, the draft only says so and the UI warns to check the nearest passages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from .render import MARK_WARN, MARKER

SEP = " › "
_LINE = re.compile(r"^(?:《[^》]*》[：:]?)?(?P<text>.*?)(?P<marks>(?:\[\d+\])+)\s*$")
_END = "。！？；!?"
ABSTAIN_WARNING = (f"{MARK_WARN} 规划中未找到答案，此答复口径只说明“未找到具体表述”。发出前请核对右侧「最接近的段落」，"
                   "确认规划确实没有相关内容。")

# 公文 layout (GB/T 9704): A4 paper, fixed margins, faces by role. Each face names a fallback that a
# machine without the official font substitutes (recorded in the font table as the face's altName).
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
FACES = {  # style name → (east-asian face, fallback face, size in pt, bold)
    "公文标题": ("方正小标宋简体", "宋体", 22, False),
    "公文小标题": ("黑体", "SimHei", 16, False),
    "公文正文": ("仿宋_GB2312", "仿宋", 16, False),
}
LATIN_FACE = "Times New Roman"


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


def _quote(piece: str) -> str:
    """One verbatim piece in quotation marks; its own double quotes become single ones, as in official style."""
    return "“" + clean_text(piece).replace("“", "‘").replace("”", "’") + "”"


def _quotes(pieces: list[str]) -> str:
    """Several verbatim pieces, each in its own quotation marks, joined as one sentence."""
    out = ""
    for i, p in enumerate(pieces):
        if i:
            out += "" if clean_text(pieces[i - 1])[-1:] in _END else "；"
        out += _quote(p)
    return out + ("" if clean_text(pieces[-1])[-1:] in _END else "。")


def _statement(sentences: list[str]) -> str:
    """Sentences the assistant composed (from a table row or a responsibility note): stated, not quoted."""
    text = "；".join(clean_text(s).rstrip("。；") for s in sentences)
    return f"{text}。"


def _merge_adjacent(pieces: list[str], quote: str) -> list[str]:
    """Pieces that follow each other in the plan are one quotation; others stay separate."""
    out: list[str] = []
    for p in pieces:
        if out and _squash(out[-1] + p) in quote:
            out[-1] += p
        else:
            out.append(p)
    return out


def _marked(citation) -> list[str]:
    """The citation's highlighted plan spans in plan order, outer brackets dropped (a duty note's （…）)."""
    spans = sorted(citation.highlights)
    return [citation.quote[a - citation.start:b - citation.start].strip().strip("（）()") for a, b in spans]


def quoted_pieces(citation, sentences: list[str]) -> list[str] | None:
    """The verbatim plan pieces to quote for these answer sentences, or None when only a composed statement
    (a table row) can say it. Verbatim answer sentences are used as they are; a composed line (a duty
    summary) is replaced by the highlighted plan spans it was built from."""
    quote = _squash(citation.quote)
    pieces = [s for s in sentences if _squash(s) and _squash(s) in quote]
    if len(pieces) < len(sentences):
        marked = [m for m in _marked(citation) if m and "\t" not in m]
        if not marked:
            return None
        pieces = [m for m in marked if not any(_squash(m) in _squash(p) for p in pieces)] + pieces
        order = {p: quote.find(_squash(p)) for p in pieces}
        pieces = sorted(dict.fromkeys(pieces), key=lambda p: order[p])
    return _merge_adjacent(pieces, quote) or None


def _wording(citation, sentences: list[str]) -> str:
    pieces = quoted_pieces(citation, sentences)
    return "：" + _quotes(pieces) if pieces else "，" + _statement(sentences)


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


def _topic(question: str) -> str:
    return question.strip().rstrip("？?。.!！ ")


def _where(c) -> str:
    ref = section_ref(c.section)
    return f"《{c.title}》{ref}部分" if ref else f"《{c.title}》"


def draft_reply(answer, plans: Sequence | None = None) -> str:
    """A formal reply paragraph: '根据《规划》“章”之“节”部分：“原文”。' for each cited passage; when abstaining,
    only '经查阅《规划》，未找到…的具体表述。' (nearby text is never offered as the answer)."""
    question = _topic(answer.question)
    if answer.abstained:
        titles = "、".join(f"《{t}》" for t in _titles(answer, plans)) or "相关规划"
        return "\n".join([f"您好！关于您咨询的“{question}”问题，现答复如下：",
                          f"经查阅{titles}，未找到关于“{question}”的具体表述。如需进一步了解，建议咨询相关主管部门。",
                          "感谢您的关注与支持。"])
    by_n = {c.n: c for c in answer.citations}
    body = []
    for n, sentences in answer_groups(answer):
        c = by_n.get(n)
        if c is not None:
            body.append(f"根据{_where(c)}{_wording(c, sentences)}")
    if not body:  # answer text in an unexpected shape: fall back to the cited passages' marked sentences
        for c in answer.citations:
            marked = [m for m in _marked(c) if m and "\t" not in m]
            if marked:
                body.append(f"根据{_where(c)}：{_quotes(_merge_adjacent(marked, _squash(c.quote)))}")
    head = f"您好！关于您咨询的“{question}”问题，经查阅相关规划，现答复如下："
    return "\n".join([head, *dict.fromkeys(body), "感谢您的关注与支持。"])


def draft_warning(answer) -> str:
    """The warning shown beside an abstention draft ('' for an answer)."""
    return ABSTAIN_WARNING if answer is not None and answer.abstained else ""


def reply_sources(answer) -> list[str]:
    """The 出处 list of a draft: '《规划》“章”之“节”' of each cited passage, in citation order, no repeats."""
    if answer is None or answer.abstained:
        return []
    cited = {n for n, _ in answer_groups(answer)}
    out = []
    for c in answer.citations:
        if c.n in cited:
            ref = section_ref(c.section)
            out.append(f"《{c.title}》{ref}")
    return list(dict.fromkeys(out))


def reply_md(text: str, path: str | Path, sources: Sequence[str] = ()) -> Path:
    """Write the draft as Markdown (one paragraph per line, then the 出处 list) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(line.strip() for line in text.splitlines() if line.strip())
    tail = ("\n\n## 出处\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(sources, 1))) if sources else ""
    path.write_text(f"# 答复口径\n\n{body}{tail}\n", encoding="utf-8")
    return path


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _face(style, east_asian: str, size: int, bold: bool) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = LATIN_FACE
    style.font.size = Pt(size)
    style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _font_fallbacks(doc) -> None:
    """Record each official face in the font table with its fallback (w:altName), so Word and WPS substitute
    宋体/黑体/仿宋 where 方正小标宋简体 or 仿宋_GB2312 is not installed."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    table = doc.part.part_related_by(RT.FONT_TABLE)
    root = parse_xml(table.blob)
    for face, fallback, _, _ in FACES.values():
        node = parse_xml(f'<w:font {nsdecls("w")} w:name="{face}"><w:altName w:val="{fallback}"/>'
                         '<w:charset w:val="86"/></w:font>')
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == face:
                root.remove(old)
        root.append(node)
    from lxml import etree

    table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def reply_docx(text: str, path: str | Path, sources: Sequence[str] = (), day: dt.date | None = None) -> Path:
    """Write the draft as a Word document in the usual 公文 layout (A4, GB/T 9704 margins, 方正小标宋简体
    title, 黑体 sub-heading, 仿宋_GB2312 body, date, 出处 list) and return the path."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    for side, mm in MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    styles = {}
    for name, (face, _, size, bold) in FACES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        _face(style, face, size, bold)
        style.paragraph_format.line_spacing = Pt(28)
        styles[name] = style
    _face(doc.styles["Normal"], FACES["公文正文"][0], FACES["公文正文"][2], False)
    _font_fallbacks(doc)
    styles["公文正文"].paragraph_format.first_line_indent = Pt(32)
    title = doc.add_paragraph("答复口径", style=styles["公文标题"])
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in text.splitlines():
        if line.strip():
            doc.add_paragraph(line.strip(), style=styles["公文正文"])
    date = doc.add_paragraph(_cn_date(day or dt.date.today()), style=styles["公文正文"])
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if sources:
        doc.add_paragraph("出处", style=styles["公文小标题"])
        for i, s in enumerate(sources, 1):
            doc.add_paragraph(f"{i}. {s}", style=styles["公文正文"])
    doc.save(str(path))
    return path

"""Answer and source rendering for the web UI, as pure functions so escaping and highlighting are testable.

Every piece of plan text or answer text goes through ``html.escape`` before it meets markup: plans are
third-party documents, and an uploaded plan must not be able to inject script into the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONTEXT_CHARS = 600
MARKER = re.compile(r"\[(\d+)\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~])")
_TERMINAL = "。！？；!?;）)」”】"
# Status marks drawn by the CJK font the UI is tested with (fonts-wqy-microhei): no emoji font needed.
MARK_OK = "✔"
MARK_FAIL = "✖"
MARK_WARN = "▲"
NEARBY_HEADING = "最接近的段落（并非答案）"
OTHERS_HEADING = "其他检索到的段落"
PASSAGE_HINT = "点击表格中的一行，这里显示它在规划中的原文。"
SOURCES_CSS = """
.sources { font-size: 14px; line-height: 1.6; }
.sources h4 { margin: 4px 0 8px; }
.sources h4.nearby { color: #9a3412; }
.sources .scope { color: #555; font-size: 12px; margin-bottom: 8px; }
.sources .src { border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 10px; margin-bottom: 10px; }
.sources .src-head { font-weight: 600; }
.sources .src-path { color: #555; font-size: 12px; margin: 2px 0 6px; }
.sources .quote { white-space: pre-wrap; margin: 0; padding-left: 8px; border-left: 3px solid #cbd5e1; }
.sources mark { background: #fde68a; color: inherit; padding: 0 1px; }
.sources .q { background: #eef2ff; }
.sources .ctx { white-space: pre-wrap; color: #333; font-size: 13px; margin-top: 4px; }
.sources table.src-table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
.sources table.src-table th, .sources table.src-table td { border: 1px solid #d1d5db; padding: 2px 6px; }
.sources table.src-table th { background: #f3f4f6; }
.sources tr.hit td { background: #fde68a; font-weight: 600; }
.sources details summary { cursor: pointer; color: #2563eb; font-size: 12px; }
"""


_HEADING_MARK = re.compile(r"(?m)^#{1,6}[ \t]+")
_BLANK_LINES = re.compile(r"\n(?:[ \t\u3000]*\n)+")
_BLOCK_START = re.compile(r"\s*(?:#|\*\*|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．])")


def _show(text: str) -> str:
    """Plan text as displayed: markdown markers left by the source conversion removed, then escaped."""
    text = _BLANK_LINES.sub("\n", _HEADING_MARK.sub("", text.replace("**", "")))
    return html.escape(text)


def _segments(base: int, text: str, layers: Sequence[tuple[str, Iterable[tuple[int, int]]]]) -> str:
    """Escape ``text`` (which starts at raw offset ``base``) and wrap the raw spans of each layer in markup.

    Layers are (kind, spans) with kind "mark" (answering sentence) or "q" (the cited passage); a character
    in both is shown as a mark. Spans outside the text are clipped, overlapping spans merged.
    """
    end = base + len(text)
    kinds: list[set[str]] = [set() for _ in text]
    for kind, spans in layers:
        for a, b in spans:
            for i in range(max(a, base), min(b, end)):
                kinds[i - base].add(kind)
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and kinds[j] == kinds[i]:
            j += 1
        piece = _show(text[i:j])
        if "mark" in kinds[i]:
            piece = f"<mark>{piece}</mark>"
        elif "q" in kinds[i]:
            piece = f'<span class="q">{piece}</span>'
        out.append(piece)
        i = j
    return "".join(out)


def highlight_quote(quote: str, start: int, highlights: Iterable[tuple[int, int]]) -> str:
    """The quote as escaped HTML with its answering sentences in <mark> (highlights are raw plan offsets)."""
    return _segments(start, quote, [("mark", highlights)])


def _joined(text: str, k: int) -> bool:
    """Is the blank line at ``k`` a page-break join (previous text ends mid-sentence) rather than a paragraph end?"""
    before = text[:k].rstrip().rstrip("*")
    return bool(before) and before[-1] not in _TERMINAL and not _BLOCK_START.match(text, k)


def paragraph_bounds(text: str, start: int, end: int, limit: int = CONTEXT_CHARS) -> tuple[int, int]:
    """The blank-line-separated paragraph around [start, end), cut to about ``limit`` chars around the quote."""
    lo = start
    while True:
        k = text.rfind("\n\n", 0, lo)
        if k < 0:
            lo = 0
            break
        if _joined(text, k) and start - k < limit:
            lo = k
            continue
        lo = k + 2
        break
    hi = end
    while True:
        k = text.find("\n\n", hi)
        if k < 0:
            hi = len(text)
            break
        if _joined(text, k) and k - end < limit:
            hi = k + 2
            continue
        hi = k
        break
    if hi - lo <= max(limit, end - start):
        return lo, hi
    room = max(limit - (end - start), 0)
    right = min(hi - end, room // 2)
    left = min(start - lo, room - right)
    right = min(hi - end, room - left)
    new_lo, new_hi = start - left, end + right
    if new_lo > lo:  # snap to whole lines when possible (table rows)
        nl = text.find("\n", new_lo, start)
        new_lo = nl + 1 if nl >= 0 else new_lo
    if new_hi < hi:
        nl = text.rfind("\n", end, new_hi)
        new_hi = nl if nl >= 0 else new_hi
    return new_lo, new_hi


def context_html(text: str, start: int, end: int, highlights: Iterable[tuple[int, int]] = (),
                 limit: int = CONTEXT_CHARS) -> str:
    """The surrounding paragraph, escaped, with the cited passage tinted and answering sentences marked."""
    lo, hi = paragraph_bounds(text, start, end, limit)
    body = _segments(lo, text[lo:hi], [("q", [(start, end)]), ("mark", highlights)])
    cut_before = lo > 0 and text[lo - 1] != "\n"
    cut_after = hi < len(text) and text[hi] != "\n"
    return ("…" if cut_before else "") + body.strip() + ("…" if cut_after else "")


def cited_numbers(answer) -> set[int]:
    """Citation numbers the answer text refers to (or that carry answering sentences)."""
    used = {int(n) for n in MARKER.findall(answer.text)}
    return used | {c.n for c in answer.citations if c.highlights}


def display_numbers(answer) -> dict[int, int]:
    """Citation number → the number shown: cited sources only, 1, 2, 3… in the order the answer cites them,
    so the panel never shows a gap ([1] [3]) where an uncited passage was retrieved."""
    order = [int(n) for n in MARKER.findall(answer.text)]
    order += [c.n for c in answer.citations if c.highlights]
    known = {c.n for c in answer.citations}
    return {n: i for i, n in enumerate((n for n in dict.fromkeys(order) if n in known), 1)}


def table_rows(text: str, start: int, end: int) -> tuple[int, list[tuple[int, int]]]:
    """The tab-separated table around [start, end): (index of the row holding ``start``, raw (lo, hi) of
    every row). Rows are the consecutive lines with a tab; ([], -1) when ``start`` is not in a table."""
    line_lo = text.rfind("\n", 0, start) + 1
    line_hi = text.find("\n", start)
    line_hi = len(text) if line_hi < 0 else line_hi
    if "\t" not in text[line_lo:line_hi]:
        return -1, []
    lo = line_lo
    while lo > 0:
        prev = text.rfind("\n", 0, lo - 1) + 1
        if "\t" not in text[prev:lo - 1]:
            break
        lo = prev
    rows: list[tuple[int, int]] = []
    i = lo
    while i < len(text):
        j = text.find("\n", i)
        j = len(text) if j < 0 else j
        if "\t" not in text[i:j]:
            break
        rows.append((i, j))
        i = j + 1
    here = next(k for k, (a, b) in enumerate(rows) if a <= start <= b)
    return here, rows


def _row_html(text: str, row: tuple[int, int], hit: bool, cell: str = "td") -> str:
    cells = "".join(f"<{cell}>{_show(c.strip())}</{cell}>" for c in text[row[0]:row[1]].split("\t"))
    return f'<tr class="hit">{cells}</tr>' if hit else f"<tr>{cells}</tr>"


def table_html(text: str, start: int, end: int, highlights: Iterable[tuple[int, int]] = ()) -> str:
    """A table source as a table: header row and the answering rows (class "hit") shown, the whole table
    behind a 展开 <details>. Empty when [start, end) is not inside a table."""
    spans = list(highlights) or [(start, end)]
    here, rows = table_rows(text, spans[0][0], spans[0][1])
    if not rows:
        return ""
    header, body = rows[0], rows[1:]
    hits = [r for r in body if any(a < r[1] and b > r[0] for a, b in spans)]
    head = f"<thead>{_row_html(text, header, False, 'th')}</thead>"
    shown = "".join(_row_html(text, r, True) for r in hits)
    full = "".join(_row_html(text, r, r in hits) for r in body)
    return (f'<table class="src-table">{head}<tbody>{shown}</tbody></table>'
            f'<details class="full-table"><summary>展开全表（{len(body)} 行）</summary>'
            f'<table class="src-table">{head}<tbody>{full}</tbody></table></details>')


def _body(c, texts: dict[str, str]) -> str:
    """A table source as a table; a prose source as its paragraph with the answering sentences marked."""
    text = texts.get(c.plan)
    if text is None:
        text, base = c.quote, c.start
    else:
        base = 0
    local = [(a - base, b - base) for a, b in c.highlights]
    if "\t" in c.quote:
        table = table_html(text, c.start - base, c.end - base, local)
        if table:
            return f'<div class="table">{table}</div>'
    if base:
        return f'<div class="quote">{highlight_quote(c.quote, c.start, c.highlights)}</div>'
    return f'<div class="quote">{context_html(text, c.start, c.end, c.highlights)}</div>'


def _source_block(c, texts: dict[str, str], label: int | None) -> str:
    number = f"[{label}] " if label is not None else ""
    anchor = f' id="src-{label}"' if label is not None else ""
    return "".join([
        f'<div class="src"{anchor}>',
        f'<div class="src-head">{number}{html.escape(c.title)}</div>',
        f'<div class="src-path">{html.escape(c.section) or "（正文开头）"}</div>',
        _body(c, texts),
        "</div>",
    ])


def render_sources(answer, texts: dict[str, str], titles: dict[str, str] | None = None) -> str:
    """HTML for the sources panel: cited passages numbered [1] [2]… as the answer cites them, other retrieved
    passages unnumbered below; when abstaining, the nearest passages labelled as not an answer."""
    if answer is None:
        return '<div class="sources"><p>提问后，这里显示答案引用的规划原文。</p></div>'
    out = ['<div class="sources">']
    if titles is not None:
        scope = "、".join(f"《{html.escape(titles.get(p, p))}》" for p in answer.plans) or "全部规划"
        out.append(f'<div class="scope">检索范围：{scope}</div>')
    if answer.abstained:
        out.append(f'<h4 class="nearby">{NEARBY_HEADING}</h4>')
        out.append("<p>所选规划中没有找到回答该问题的内容。以下段落只是检索到的最接近内容，不能作为答复依据。</p>")
        out.extend(_source_block(c, texts, None) for c in answer.nearby)
        if not answer.nearby:
            out.append("<p>（无）</p>")
    else:
        shown = display_numbers(answer)
        by_n = {c.n: c for c in answer.citations}
        rest = [c for c in answer.citations if c.n not in shown]
        out.append("<h4>来源</h4>")
        out.extend(_source_block(by_n[n], texts, label) for n, label in shown.items())
        if rest:
            out.append(f'<details class="others"><summary>{OTHERS_HEADING}（{len(rest)}）</summary>')
            out.extend(_source_block(c, texts, None) for c in rest)
            out.append("</details>")
    out.append("</div>")
    return "".join(out)


def escape_md(text: str) -> str:
    """Text safe to put in a chat message: HTML escaped, markdown syntax neutralised."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text.replace("**", ""), quote=False))


def render_answer(answer) -> str:
    """Chat message (markdown) for an answer: escaped text, [n] markers as superscripts."""
    shown = display_numbers(answer)
    lines = []
    for line in answer.text.splitlines():
        pieces = MARKER.split(line)  # text, n, text, n, …
        out = "".join(escape_md(p) if i % 2 == 0 else f"<sup>[{shown.get(int(p), p)}]</sup>"
                      for i, p in enumerate(pieces))
        lines.append(out)
    if answer.abstained:
        lines.append("")
        lines.append(f"*右侧「{NEARBY_HEADING}」仅供参考，不能作为答复依据。*")
    return "\n".join(lines)


def sources_data(answer) -> list[dict]:
    """Citations as plain dicts for the API: answering sources, or nearest passages flagged ``nearby``."""
    rows = []
    for c, nearby in [(c, False) for c in answer.citations] + [(c, True) for c in answer.nearby]:
        rows.append({
            "n": c.n, "nearby": nearby, "cited": not nearby and c.n in cited_numbers(answer),
            "title": c.title, "doc": c.doc, "plan": c.plan, "section": c.section, "quote": c.quote,
            "start": c.start, "end": c.end, "highlights": [list(h) for h in c.highlights],
            "sentences": [c.quote[a - c.start:b - c.start] for a, b in c.highlights],
        })
    return rows


@dataclass(frozen=True)
class Passage:
    """Where a table row of the 指标 / 分工 tabs comes from: plan, a label (指标表 › 主要指标), raw offsets."""

    plan: str
    title: str
    label: str
    start: int
    end: int


def passages_html(passages: Sequence[Passage], texts: dict[str, str]) -> str:
    """The source passages of a selected row: a table row as its table (the row marked), a sentence in its
    paragraph (the sentence tinted) — the same rendering as the chat's sources panel."""
    if not passages:
        return f'<div class="sources"><p>{PASSAGE_HINT}</p></div>'
    out = ['<div class="sources">']
    for p in passages:
        text = texts.get(p.plan, "")
        body = table_html(text, p.start, p.end) if text and "\t" in text[p.start:p.end] else ""
        if not body and text:
            body = f'<div class="quote">{context_html(text, p.start, p.end, [(p.start, p.end)])}</div>'
        out.append(f'<div class="src"><div class="src-head">{html.escape(p.title)}</div>'
                   f'<div class="src-path">{html.escape(p.label)}</div>{body or "<p>（原文不可用）</p>"}</div>')
    out.append("</div>")
    return "".join(out)

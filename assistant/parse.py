"""Plan text → blocks (paragraphs and table rows) that know their section path and raw offsets.

The raw text is never rewritten: every block keeps the offsets of the characters it was built from,
so a citation can always quote the plan exactly, while search sees text free of conversion debris.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field

from .columns import MARKS, VALUE_KINDS, column_kind, is_header

CN_NUM = "一二三四五六七八九十百零〇两"
SEP = " › "

_DEBRIS = re.compile(r"\[bookmark:[^\]]*\]|\*\*|\\(?=[\[\]*#_])")
_MD_HEADING = re.compile(r"^[ \t\u3000]*(#{1,6})[ \t]+")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’—…]")
_TERMINAL = tuple("。！？；：”）)」》…!?;:")

# (level, pattern) — the numbering style decides the level, never the markdown '#' count,
# because converted plans use '##' and '####' for the same level.
HEADING_STYLES: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^第[{CN_NUM}\d]+[章篇]")),
    (2, re.compile(rf"^第[{CN_NUM}\d]+节")),
    (3, re.compile(rf"^[{CN_NUM}]+[、．.](?!\d)(?![{CN_NUM}、]+[级类等档批])")),  # not "一、二级医院"
    (4, re.compile(rf"^[（(][{CN_NUM}]+[）)]")),
    (5, re.compile(r"^\d{1,2}(?:[.．、](?!\d)|\s+(?=[\u4e00-\u9fff]))")),
    (5, re.compile(r"^专栏\s*\d+(?:[—\-－]\d+)?")),
    (6, re.compile(r"^[（(]\d{1,2}[）)]")),
)
BOX = re.compile(r"^专栏\s*\d")
_CLAUSE = re.compile(r"[，,；;]")
_NOTE_ONLY = re.compile(r"\s*(?:[（(][^（）()]*[）)])?\s*")  # nothing, or one bracketed note
_MAX_HEADING = 40

# A 目录 (table of contents): its heading word, the unnumbered parts it may list, and how a page number
# is written after an entry ("……12", "····12", a tab or spaces then "12").
TOC_WORDS = ("目录", "目次")
FRONT_WORDS = ("前言", "序言", "引言", "导言", "结语", "结束语")  # a part the next heading closes
ANNEX_WORDS = ("附件", "附录", "附表")  # a part that holds everything after it, numbered or not
_LEADER = re.compile(r"[.．·•…‥_\-─]{2,}[ \t\u3000]*(?:\d{1,3})?[ \t\u3000]*$")
_PAGE = re.compile(r"[ \t\u3000]+\d{1,3}[ \t\u3000]*$")
_NOT_A_TITLE = re.compile(r"[。；;！？!?]")
TITLE_LEVEL, ANNEX_LEVEL, PART_LEVEL = -1, 0, 9  # the plan's title line; 附件; 前言 (closed by any heading)


@dataclass(frozen=True)
class Block:
    """A paragraph or a table row, with the section it sits in and where it came from."""

    kind: str  # "para" | "row"
    text: str  # cleaned text (search and display)
    start: int  # raw offsets of the block in the plan text
    end: int
    section: tuple[str, ...]
    pos: array = field(default_factory=lambda: array("i"), compare=False, repr=False)
    table: str = ""  # row blocks: table title, header and cells
    header: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    row: int = 0
    table_start: int = 0  # row blocks: where the table (caption, else header) begins in the raw text
    cut: bool = False  # row blocks: the table's last row stops before the header's last column


def clean_line(line: str, base: int) -> tuple[str, array]:
    """Strip conversion debris and layout whitespace; return text and the raw offset of each char."""
    drop = bytearray(len(line))
    m = _MD_HEADING.match(line)
    if m:
        drop[: m.end()] = b"\x01" * m.end()
    for m in _DEBRIS.finditer(line):
        drop[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    out: list[str] = []
    pos = array("i")
    for m in re.finditer(r"\S+|\s+", line):
        s = m.group()
        if not s.isspace():
            for i, ch in enumerate(s):
                if not drop[m.start() + i]:
                    out.append(ch)
                    pos.append(base + m.start() + i)
            continue
        before = out[-1] if out else ""
        after = next((line[j] for j in range(m.end(), len(line)) if not drop[j]), "")
        if before and after and not (_CJK.match(before) or _CJK.match(after)):
            out.append(" ")
            pos.append(base + m.start())
    return "".join(out), pos


def heading_of(text: str, raw_line: str = "") -> tuple[int, str] | None:
    """Return (level, title) when a cleaned line opens a section, else None."""
    for level, pat in HEADING_STYLES:
        m = pat.match(text)
        if not m:
            continue
        bold = re.match(r"^\s*#*\s*\*\*(.+?)\*\*", raw_line)
        if bold and len(bold.group(1)) <= _MAX_HEADING * 2:
            title = _DEBRIS.sub("", bold.group(1)).strip()
        else:
            cut = re.search(r"[。：:！？]", text)
            title = text[: cut.start()] if cut else text
            if cut and cut.group() == "。" and _CLAUSE.search(title) and _NOTE_ONLY.fullmatch(text[cut.end():]):
                return None  # one sentence of clauses, maybe with its note ("（三）新建…，规划床位300张。"): a list item
        title = title.rstrip("。：: ")
        if len(title) > _MAX_HEADING:
            if cut is None and level in (3, 4) and len(text) <= 60:
                return level, title
            if level != 5 or not pat.pattern.startswith("^\\d"):
                return None
            clause = re.split(r"[，,；;]", title)[0]  # a numbered task whose first sentence runs on
            title = clause if len(clause) <= _MAX_HEADING else clause[:24] + "…"
        if len(title) <= len(m.group().strip()):
            return None
        return level, title
    return None


def numbering(title: str) -> str:
    """The numbering part of a heading (三, （四）, 23, 专栏4) — used in stable chunk ids."""
    for _, pat in HEADING_STYLES:
        m = pat.match(title)
        if m:
            return re.sub(r"[\s.．、]", "", m.group())
    return title[:8]


@dataclass(frozen=True)
class OutlineEntry:
    """One line of a plan's 目录: its level (0 for an unnumbered part such as 前言), title, the chapter
    path down to it, and the raw offsets of the line, so a locate answer can cite the 目录 itself."""

    plan: str
    level: int
    title: str
    path: tuple[str, ...]
    start: int
    end: int


@dataclass
class _Line:
    raw: str
    start: int
    text: str
    pos: array
    heading: bool = False


def _lines(raw: str) -> list[_Line]:
    out, offset = [], 0
    for piece in raw.splitlines(keepends=True):
        body = piece.rstrip("\r\n")
        text, pos = clean_line(body, offset)
        out.append(_Line(body, offset, text, pos))
        offset += len(piece)
    return out


def _is_blank(ln: _Line) -> bool:
    return not ln.raw.strip(" \u3000\r")


def _is_cell_line(ln: _Line) -> bool:
    return ln.raw.startswith("\t") and "\t" not in ln.raw[1:].rstrip("\t")


def _is_tsv_line(ln: _Line) -> bool:
    return ln.raw.strip(" ").count("\t") >= 2 and len(ln.raw) < 300


def _is_md_row(ln: _Line) -> bool:
    return ln.raw.lstrip().startswith("|") and ln.raw.rstrip().endswith("|")


def _cell_table(lines: list[_Line], i: int) -> tuple[list[list[tuple[str, int, int]]], int] | None:
    """Parse a docx table converted one cell per line (cells start with a tab, may wrap)."""
    head = [ln for ln in lines[i : i + 12] if not _is_blank(ln)]
    if len(head) < 4 or not all(_is_cell_line(ln) for ln in head[:4]):
        return None
    if any(len(ln.text) > 30 for ln in head[:4]):
        return None
    cells: list[list] = []  # [text, start, end]
    ncols = 0
    j, blank_seen = i, False
    while j < len(lines):
        ln = lines[j]
        if _is_blank(ln):
            if ncols == 0 and cells:
                ncols = len(cells)
            blank_seen = True
            j += 1
            continue
        if _is_cell_line(ln):
            cells.append([ln.text, ln.start, ln.start + len(ln.raw)])
        else:
            boundary = ncols and len(cells) % ncols == 0
            if not cells or len(ln.text) > 20 or (boundary and blank_seen) or heading_of(ln.text, ln.raw):
                break
            glue = " " if cells[-1][0][-1:].isdigit() and ln.text[:1].isdigit() else ""
            cells[-1][0] += glue + ln.text
            cells[-1][2] = ln.start + len(ln.raw)
        blank_seen = False
        j += 1
    if not ncols:
        return None
    rows = [cells[k : k + ncols] for k in range(0, len(cells), ncols)]
    rows = [[(c[0], c[1], c[2]) for c in r] for r in rows if len(r) == ncols]
    return (rows, j) if len(rows) >= 2 else None


def _fields(ln: _Line, sep: str) -> list[tuple[str, int, int]]:
    parts, k = [], 0
    for piece in ln.raw.split(sep):
        text, _ = clean_line(piece, 0)
        parts.append((text, ln.start + k, ln.start + k + len(piece)))
        k += len(piece) + 1
    return parts


def _broken_row(lines: list[_Line], j: int, ncols: int) -> list[tuple[str, int, int]] | None:
    """A tab-separated row whose cell was broken by a line break (spreadsheet copy: '…机构\n床位数"\t张'):
    two lines with tabs whose fields, the broken cell counted once, fill the header exactly."""
    if j + 1 >= len(lines) or "\t" not in lines[j].raw or "\t" not in lines[j + 1].raw:
        return None
    a, b = _fields(lines[j], "\t"), _fields(lines[j + 1], "\t")
    if len(a) >= ncols or len(b) >= ncols or len(a) + len(b) - 1 != ncols:
        return None
    joined = (a[-1][0] + b[0][0]).strip('"'), a[-1][1], b[0][2]
    return [*a[:-1], joined, *b[1:]]


def _line_table(lines: list[_Line], i: int) -> tuple[list[list[tuple[str, int, int]]], int] | None:
    """Parse tab-separated rows or a markdown table starting at line i."""
    md = _is_md_row(lines[i])
    if not (md or _is_tsv_line(lines[i])):
        return None
    rows: list[list[tuple[str, int, int]]] = []
    j = i
    while j < len(lines):
        ln = lines[j]
        if md and not _is_md_row(ln):
            break
        broken = _broken_row(lines, j, len(rows[0])) if rows and not md else None
        if broken is not None:
            rows.append(broken)
            j += 2
            continue
        if not md and not _is_tsv_line(ln):
            break
        parts = _fields(ln, "|" if md else "\t")
        if md:
            parts = parts[1:-1]
            if all(re.fullmatch(r":?-{2,}:?", p[0] or "--") for p in parts):
                j += 1
                continue
        rows.append(parts)
        j += 1
    return (rows, j) if len(rows) >= 2 else None


_MAX_HEADER_CELL = 12
_MAX_HEADER_RUN = 12
_MAX_BARE_CELL = 40
# a value cell states a figure, a dash, or a direction ("持续下降", "同比例增加"); a name broken in two does not
_VALUE_CELL = re.compile(r"[\d—\-－/]|下降|降低|减少|增加|增长|提高|提升|保持|控制|达到|低于|高于|持续|逐步|稳步|同比|以上|以下|左右")
_NATURE_CELL = re.compile(r"性$|^[—\-－/]*$")
_SERIAL_CELL = re.compile(rf"^[{MARKS}]*\d{{1,3}}[{MARKS}]*$")


def _bare_row(cells: list[_Line], kinds: list[str]) -> bool:
    """Cells that can be one row of the header's table: short, no sentence or heading among them, a
    value in every year column, a name with words in it, and the 序号 and 属性 columns, when there are any,
    in shape."""
    for ln, kind in zip(cells, kinds):
        t = ln.text
        if not t and kind == "domain":
            continue
        if not t or len(t) > _MAX_BARE_CELL or t.endswith(("。", "；", "：")) or (kind != "row" and heading_of(t, ln.raw)):
            return False
        if (kind == "row" and not _SERIAL_CELL.match(t)) or (kind == "nature" and not _NATURE_CELL.search(t)):
            return False
        if kind == "indicator" and not re.search(r"[\u4e00-\u9fff]", t):
            return False
    return all(_VALUE_CELL.search(ln.text) for ln, kind in zip(cells, kinds) if kind in VALUE_KINDS)


def _bare_table(lines: list[_Line], i: int) -> tuple[list[list[tuple[str, int, int]]], int] | None:
    """A table written one cell per line without tabs (a web page saved as text): a header run of column
    names, then rows of the same width. When the table has a 序号 or 属性 column to prove the alignment,
    a row may also omit a merged first (领域) cell or have its name broken over two lines. An incomplete
    last row is left out."""
    if len(lines[i].text) > _MAX_HEADER_CELL or _is_cell_line(lines[i]) or not column_kind(lines[i].text):
        return None
    head: list[int] = []  # blank lines between cells carry nothing
    k = i
    while k < len(lines) and len(head) < _MAX_HEADER_RUN and len(lines[k].text) <= _MAX_HEADER_CELL:
        if lines[k].text:
            if not column_kind(lines[k].text):
                break
            head.append(k)
        k += 1
    n = next((m for m in range(len(head), 2, -1) if is_header([lines[h].text for h in head[:m]])), 0)
    if not n:
        return None
    seq = [k for k in range(i, len(lines)) if lines[k].text]
    kinds = [column_kind(lines[seq[j]].text) for j in range(n)]
    anchored = "row" in kinds or "nature" in kinds
    name = kinds.index("indicator")

    def span(c: _Line) -> tuple[str, int, int]:
        return c.text, c.start, c.start + len(c.raw)

    rows = [[span(lines[seq[j]]) for j in range(n)]]
    j = n
    while j < len(seq):
        cells = [lines[k] for k in seq[j : j + n]]
        if len(cells) == n and _bare_row(cells, kinds):
            rows.append([span(c) for c in cells])
            j += n
            continue
        if not anchored:
            break
        short = [lines[k] for k in seq[j : j + n - 1]]
        if kinds[0] == "domain" and len(short) == n - 1 and _bare_row([_Line("", short[0].start, "", array("i")), *short], kinds):
            rows.append([("", short[0].start, short[0].start), *map(span, short)])  # merged 领域 cell
            j += n - 1
            continue
        wide = [lines[k] for k in seq[j : j + n + 1]]
        if len(wide) <= n or re.match(r"\d", wide[name + 1].text):
            break
        first, second = wide[name], wide[name + 1]
        cells = [*wide[:name], _Line(first.raw, first.start, first.text + second.text, first.pos), *wide[name + 2 :]]
        if not _bare_row(cells, kinds):
            break
        rows.append([*map(span, wide[:name]), (first.text + second.text, first.start, second.start + len(second.raw)),
                     *map(span, wide[name + 2 :])])  # a name broken over two lines
        j += n + 1
    return (rows, seq[j - 1] + 1) if len(rows) >= 2 else None


def _table_blocks(rows, title: str, section: tuple[str, ...], caption_start: int | None) -> list[Block]:
    header = tuple(c[0] for c in rows[0])
    table_start = caption_start if caption_start is not None else min(c[1] for c in rows[0])
    blocks, group = [], ""
    carries = bool(header) and column_kind(header[0]) not in (VALUE_KINDS | {"row", "unit", "nature", "status"})
    for n, row in enumerate(rows[1:], start=1):
        cells = [c[0] for c in row] + [""] * (len(header) - len(row))
        if len(row) == len(header) and carries and not cells[0] and group:
            cells[0] = group  # a merged first cell: the row continues the category above
        group = cells[0] or group
        start = min(c[1] for c in row if c[0]) if any(c[0] for c in row) else row[0][1]
        end = max(c[2] for c in row if c[0]) if any(c[0] for c in row) else row[-1][2]
        text = "；".join(f"{h} {c}" if h else c for h, c in zip(header, cells) if c)
        blocks.append(
            Block("row", f"{title}：{text}", start, end, section, table=title,
                  header=header, cells=tuple(cells), row=n, table_start=table_start,
                  cut=n == len(rows) - 1 and len(row) < len(header))
        )
    return blocks


def _toc_entry(ln: _Line) -> tuple[int, str, int, int, bool] | None:
    """(level, title, start, end, paged) when a line reads as a 目录 entry: a heading title alone on its
    line, or an unnumbered part (前言, 附件…), or any short title followed by a dot leader."""
    raw = ln.raw.rstrip()
    leader = _LEADER.search(raw)
    page = None if leader else _PAGE.search(raw)
    cut = leader or page
    text, pos = clean_line(raw[: cut.start()] if cut else raw, ln.start)
    text = text.strip().rstrip("：:")
    if not text or len(text) > 50 or _NOT_A_TITLE.search(text) or not _CJK.search(text):
        return None
    head = heading_of(text)
    if head and head[1] == text:
        level = head[0]
    elif text in FRONT_WORDS or text.startswith(ANNEX_WORDS) or (leader and len(text) <= _MAX_HEADING):
        level = 0
    else:
        return None
    return level, text, pos[0], pos[-1] + 1, bool(cut)


def _toc(lines: list[_Line], i: int) -> tuple[list[tuple[int, str, int, int]], int] | None:
    """The entries of a 目录 whose heading is line i, and the line where the body resumes: at the first
    line that is no entry, at an entry met before (the body repeats the first heading), or — when the
    目录 gives page numbers — at the first line without one."""
    if lines[i].text.strip().rstrip("：:") not in TOC_WORDS:
        return None
    entries: list[tuple[int, str, int, int]] = []
    seen: set[str] = set()
    first_number, paged = None, False
    j = i + 1
    while j < len(lines):
        if not lines[j].text:
            j += 1
            continue
        entry = _toc_entry(lines[j])
        if entry is None:
            break
        level, text, start, end, has_page = entry
        number = (level, numbering(text)) if level else None
        if text in seen or (number and number == first_number) or (paged and not has_page):
            break
        if not entries:
            paged = has_page
        first_number = first_number or number
        seen.add(text)
        entries.append((level, text, start, end))
        j += 1
    return (entries, j) if entries else None


def _outline(entries: list[tuple[int, str, int, int]], plan: str) -> list[OutlineEntry]:
    """Chapter paths from the entries' levels, nesting as the body does (a skipped level is no gap);
    an unnumbered part stands alone."""
    stack: list[tuple[int, str]] = []
    out = []
    for level, text, start, end in entries:
        while stack and (level == 0 or stack[-1][0] >= level):
            stack.pop()
        path = (*(t for _, t in stack), text)
        if level:
            stack.append((level, text))
        out.append(OutlineEntry(plan, level, text, path, start, end))
    return out


def parse_outline(raw: str, plan: str = "") -> list[OutlineEntry]:
    """Every 目录 entry of a plan, in order, with its chapter path (empty when the plan has no 目录)."""
    lines = _lines(raw)
    out: list[OutlineEntry] = []
    i = 0
    while i < len(lines):
        toc = _toc(lines, i) if lines[i].text else None
        if toc:
            out.extend(_outline(toc[0], plan))
            i = toc[1]
        else:
            i += 1
    return out


def parse_blocks(raw: str, title: str = "") -> list[Block]:
    """Split a plan into paragraph and table-row blocks, each with its section path."""
    lines = _lines(raw)
    stack: list[tuple[int, str]] = []
    blocks: list[Block] = []
    para: list[_Line] = []
    prev_text, prev_start = "", 0

    def section() -> tuple[str, ...]:
        return tuple(t for _, t in stack)

    def flush() -> None:
        if all(ln.heading for ln in para):  # nothing but a heading: no block of its own
            para.clear()
            return
        text, pos = "", array("i")
        for ln in para:
            text += ln.text
            pos.extend(ln.pos)
        blocks.append(Block("para", text, pos[0], pos[-1] + 1, section(), pos=pos))
        para.clear()

    i = 0
    while i < len(lines):
        ln = lines[i]
        if not ln.text:
            i += 1
            continue
        toc = _toc(lines, i)
        if toc:  # a 目录 is the plan's outline (parse_outline), neither headings nor prose
            flush()
            i, prev_text = toc[1], ""
            continue
        table = _cell_table(lines, i) or _line_table(lines, i) or _bare_table(lines, i)
        if table:
            flush()
            rows, i = table
            has_caption = bool(prev_text) and len(prev_text) <= 50 and "。" not in prev_text
            blocks.extend(_table_blocks(rows, prev_text if has_caption else "表格", section(),
                                        prev_start if has_caption else None))
            prev_text = ""
            continue
        head = heading_of(ln.text, ln.raw)
        is_md = bool(_MD_HEADING.match(ln.raw))
        if head is None and is_md and len(ln.text) <= _MAX_HEADING:
            head = (TITLE_LEVEL, ln.text) if title and ln.text.replace(" ", "") == title else (4, ln.text)
        if head is None and title and ln.text == title:
            head = (TITLE_LEVEL, ln.text)
        if head is None and ln.text.rstrip("：:") in (*FRONT_WORDS, *ANNEX_WORDS):
            name = ln.text.rstrip("：:")
            head = (ANNEX_LEVEL if name in ANNEX_WORDS else PART_LEVEL, name)
        if head:
            flush()
            level, name = head
            while stack and (level == PART_LEVEL or stack[-1][0] >= level):
                stack.pop()
            if level > TITLE_LEVEL:
                stack.append((level, name))
            if ln.text.rstrip("。") != name:
                para.append(ln)
            elif level > TITLE_LEVEL:  # a bare heading opens its first paragraph, so quotes show where they are;
                # one written as a sentence ("（1）乐城国际医学检验中心。") is plan text even when nothing follows it
                para.append(_Line(ln.raw, ln.start, ln.text + "\n", array("i", [*ln.pos, ln.pos[-1]]),
                                  not ln.text.endswith("。")))
        elif para and not para[-1].text.endswith(_TERMINAL):
            para.append(ln)
        else:
            flush()
            para.append(ln)
        prev_text, prev_start = ln.text, (ln.pos[0] if ln.pos else ln.start)
        i += 1
    flush()
    return blocks

"""Scanned plans (image-only PDF pages, .png/.jpg photos) → plan text the parser reads like a typed plan.

Recognition is PP-OCRv4 (Chinese) through ``rapidocr-onnxruntime``, whose wheel ships the models, so it
works offline on a CPU; ``pypdfium2`` renders PDF pages. Both are the optional extra ``.[ocr]``.

Why the layout work: the parser finds headings, tables, targets and duties from line structure, so the
recognised boxes are put back into reading order, ruled tables become one tab-separated line per row
(cells found from the table's own rules), and lines are joined into paragraphs (a line that reaches the
right margin continues unless the next one is indented), so no sentence or department list is broken.

Every recognised line keeps its confidence and its offsets in the returned text, so an answer quoting it
can say it is OCR text and flag a doubtful line. Results are cached by the file's sha256 (plain JSON).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DPI = 150  # PDF pages are rendered at this resolution: 10.5–16 pt body text becomes 22–33 px high
MAX_PAGES = 60  # pages recognised per file: ~6–12 s a page on 2 cores (docs in README)
MAX_SIDE = 3500  # photos are scaled down to this many pixels on their long side
MIN_CONFIDENCE = 0.5  # recogniser scores below this are noise, not text
LOW_CONFIDENCE = 0.85  # a line below this is flagged: staff should check it against the original
CACHE_VERSION = 1  # bump when the layout rules change, so cached texts are recognised again
OCR_NOTE = "扫描件识别文本"
Progress = Callable[[str, int, int], None]  # (file name, pages done, pages to recognise)

# Characters the recogniser confuses in print, as (pattern, replacement): one table, applied per line.
FIXES: tuple[tuple[str, str], ...] = (
    (r"(?<=\d)%0(?![\d.])", "‰"),  # 5.5‰ is read as 5.5%0
    (r"(?<=\d)%o(?![a-z])", "‰"),
    (r"(?<=\d)一(?=\d)", "—"),  # the dash of 2021—2025 is read as the character 一
    (r"〔(\d{4})[\]］】)）」]", r"〔\1〕"),  # the brackets of a 文号 are read as other brackets
    (r"[\[［【(（「](\d{4})〕", r"〔\1〕"),
)
# ASCII punctuation the recogniser gives for the full-width marks of Chinese print, when next to a CJK char.
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_CHINESE = re.compile("[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")  # CJK characters and full-width marks
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?$")
_ENUM_START = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|[①-⑳]|第[一二三四五六七八九十]+[章节条])")


class OcrUnavailable(RuntimeError):
    """The optional OCR packages are not installed."""


@dataclass(frozen=True)
class Box:
    """One recognised text line on a page (deskewed pixel coordinates)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class PageText:
    """A page's text with its recognised lines' spans (start, end, confidence) relative to it.

    ``opens``/``closes``: the first line may continue the previous page's paragraph, the last may go on.
    """

    text: str = ""
    lines: list[tuple[int, int, float]] = field(default_factory=list)
    opens: bool = False
    closes: bool = False


def normalise(text: str) -> str:
    """Undo the recogniser's known confusions; half-width marks beside CJK become full-width."""
    for pattern, repl in FIXES:
        text = re.sub(pattern, repl, text)
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in FULL_WIDTH:
            near = (out[-1] if out else "") + text[i + 1: i + 2]
            if _CHINESE.search(near) or (ch in "()" and _paired_cjk(text, i)):
                ch = FULL_WIDTH[ch]
        out.append(ch)
    return "".join(out)


def _paired_cjk(text: str, i: int) -> bool:
    """A bracket whose partner sits beside CJK text: '(1)优化' → both brackets are Chinese ones."""
    j = text.find(")", i) if text[i] == "(" else text.rfind("(", 0, i)
    return j >= 0 and bool(_CHINESE.search(text[max(0, j - 1): j] + text[j + 1: j + 2]))


# --- engine --------------------------------------------------------------------------------------

_ENGINE = None


def engine():
    """The recogniser, loaded once (about half a second)."""
    global _ENGINE
    if _ENGINE is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError:
            raise OcrUnavailable("OCR 未安装 / OCR is not installed: pip install '.[ocr]'") from None
        _ENGINE = RapidOCR()
    return _ENGINE


def deskew(gray: np.ndarray, max_degrees: float = 2.0, step: float = 0.1) -> tuple[np.ndarray, float]:
    """Straighten a slightly rotated scan: the angle whose row profile of ink is sharpest."""
    import cv2

    small = cv2.resize(gray, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    h, w = ink.shape
    scores = {}
    for angle in np.round(np.arange(-max_degrees, max_degrees + step / 2, step), 2):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(angle), 1.0)
        rows = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1)
        scores[float(angle)] = float(np.square(np.diff(rows)).sum())
    best = max(scores, key=scores.get)
    if abs(best) < step / 2 or scores[best] < 1.05 * scores[0.0]:  # no clearly sharper angle: upright
        return gray, 0.0
    m = cv2.getRotationMatrix2D((gray.shape[1] / 2, gray.shape[0] / 2), best, 1.0)
    return cv2.warpAffine(gray, m, (gray.shape[1], gray.shape[0]), flags=cv2.INTER_CUBIC, borderValue=255), best


def recognise(gray: np.ndarray) -> list[Box]:
    """Text lines of one upright grayscale page, with the recogniser's confidence."""
    import cv2

    result, _ = engine()(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), use_cls=False)
    boxes = []
    for quad, text, score in result or []:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        text = normalise(text.strip())
        if text and float(score) >= MIN_CONFIDENCE:
            boxes.append(Box(float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)), text, round(float(score), 3)))
    return boxes


# --- tables --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grid:
    """A ruled table: its outline and, for each row band, the x of the vertical rules inside it."""

    x0: int
    y0: int
    x1: int
    y1: int
    rows: tuple[tuple[int, int], ...]
    cols: tuple[tuple[int, ...], ...]

    def cell(self, b: Box) -> tuple[int, int] | None:
        cx, cy = (b.x0 + b.x1) / 2, b.cy
        if not (self.x0 <= cx <= self.x1 and self.y0 <= cy <= self.y1):
            return None
        r = next((i for i, (a, z) in enumerate(self.rows) if a <= cy <= z), None)
        return None if r is None else (r, bisect.bisect(self.cols[r], cx))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of consecutive True stretches."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), (edges[1::2] - 1).tolist()))


def find_grids(gray: np.ndarray) -> list[Grid]:
    """Ruled tables on a page, from its long horizontal and vertical strokes (no text stroke is that long)."""
    import cv2

    ink = (gray < 150).astype(np.uint8)
    h, w = ink.shape
    hor = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(w // 15, 20), 1)))
    ver = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(h // 45, 15))))
    n, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(hor | ver, np.ones((5, 5), np.uint8)))
    grids = []
    for i in range(1, n):
        x, y, gw, gh, _ = stats[i]
        if gw < w // 4 or gh < 30:
            continue
        rules = [(a + b) // 2 for a, b in _runs(hor[y:y + gh, x:x + gw].sum(axis=1) > gw * 0.3)]
        if len(rules) < 2:
            continue
        rows, cols = [], []
        for top, bottom in zip(rules, rules[1:]):
            band = ver[y + top + 2:y + bottom - 1, x:x + gw]
            if bottom - top < 12:
                continue
            inner = [x + (a + b) // 2 for a, b in _runs(band.sum(axis=0) > band.shape[0] * 0.6)]
            rows.append((y + top, y + bottom))
            cols.append(tuple(c for c in inner if x + 8 < c < x + gw - 8))
        if rows and any(cols):
            grids.append(Grid(int(x), int(y), int(x + gw), int(y + gh), tuple(rows), tuple(cols)))
    return grids


# --- layout --------------------------------------------------------------------------------------

def _join(a: str, b: str) -> str:
    """Chinese lines join with nothing; two Latin words keep a space."""
    return " " if a and b and a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha() else ""


def _visual_lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into lines (vertical overlap), each sorted left to right, lines top to bottom."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        last = lines[-1] if lines else None
        if last is not None:
            top, bottom = min(x.y0 for x in last), max(x.y1 for x in last)
            if min(bottom, b.y1) - max(top, b.y0) >= 0.5 * min(b.h, bottom - top):
                last.append(b)
                continue
        lines.append([b])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


class _Writer:
    """Accumulates a page's text and the spans of the boxes written into it."""

    def __init__(self) -> None:
        self.page = PageText()

    def add(self, b: Box, sep: str = "") -> None:
        p = self.page
        sep = sep or _join(p.text, b.text)
        p.text += sep
        p.lines.append((len(p.text), len(p.text) + len(b.text), b.confidence))
        p.text += b.text

    def raw(self, s: str) -> None:
        self.page.text += s


def layout(boxes: list[Box], grids: list[Grid], height: float) -> PageText:
    """Boxes of one page → paragraphs and table rows in reading order."""
    w = _Writer()
    tables: dict[int, dict[tuple[int, int], list[Box]]] = {}
    items: list[tuple[float, str, object]] = []  # (y, kind, payload): table rows and text lines by position
    free = []
    for b in boxes:
        g = next(((gi, c) for gi, grid in enumerate(grids) if (c := grid.cell(b)) is not None), None)
        if g is None:
            free.append(b)
        else:
            tables.setdefault(g[0], {}).setdefault(g[1], []).append(b)
    for gi, cells in tables.items():
        for r in sorted({r for r, _ in cells}):  # every column, so an empty cell keeps its place
            row = [cells.get((r, c), []) for c in range(len(grids[gi].cols[r]) + 1)]
            items.append((grids[gi].rows[r][0], "row", row))
    body = [ln for ln in _visual_lines(free) if not _margin_number(ln, height)]
    items += [(ln[0].cy, "line", ln) for ln in body]
    items.sort(key=lambda t: t[0])
    text_lines = [ln for _, kind, ln in items if kind == "line"]
    left = float(np.percentile([ln[0].x0 for ln in text_lines], 10)) if text_lines else 0.0
    right = float(np.percentile([ln[-1].x1 for ln in text_lines], 90)) if text_lines else 0.0
    prev: list[Box] | None = None
    for _, kind, payload in items:
        if kind == "row":
            w.raw("\n" if w.page.text else "")
            for ci, cell in enumerate(payload):
                w.raw("\t" if ci else "")
                for b in (b for ln in _visual_lines(cell) for b in ln):
                    w.add(b)
            prev = None
            continue
        line = payload
        ch = float(np.median([b.h for b in line]))
        indented = line[0].x0 > left + 0.8 * ch
        if prev is None and not w.page.text:
            w.page.opens = not indented and not _ENUM_START.match(line[0].text)
        elif prev is not None and _continues(prev, line, right, indented):
            pass
        else:
            w.raw("\n")
        for bi, b in enumerate(line):
            gap = b.x0 - line[bi - 1].x1 if bi else 0
            w.add(b, "\t" if gap > 4 * ch else " " if gap > 0.8 * ch else "")
        prev = line
    w.page.closes = prev is not None and prev[-1].x1 >= right - 2 * float(np.median([b.h for b in prev]))
    return w.page


def _continues(prev: list[Box], line: list[Box], right: float, indented: bool) -> bool:
    """The line goes on the previous one's paragraph: that one reached the margin, this one is not indented."""
    ch = float(np.median([b.h for b in prev]))
    if indented or prev[-1].x1 < right - 2 * ch:
        return False
    return not (prev[-1].text[-1:] in "。：；！？" and _ENUM_START.match(line[0].text))


def _margin_number(line: list[Box], height: float) -> bool:
    """A page number printed in the top or bottom margin ("— 3 —", "第3页")."""
    text = "".join(b.text for b in line)
    return bool(_PAGE_NUMBER.match(text)) and (line[0].y1 < height * 0.07 or line[0].y0 > height * 0.92)


def _read_crop(gray: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> Box | None:
    """Recognition alone (no detection) of one region: a cell part or a cell the detector missed."""
    import cv2

    crop = gray[max(int(y0), 0):int(y1) + 1, max(int(x0), 0):int(x1) + 1]
    if crop.size == 0 or crop.shape[1] < 4:
        return None
    result, _ = engine()(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), use_det=False, use_cls=False)
    text, score = (result[0][0], float(result[0][1])) if result else ("", 0.0)
    text = normalise(text.strip())
    return Box(float(x0), float(y0), float(x1), float(y1), text, round(score, 3)) if text and score >= MIN_CONFIDENCE else None


def _ink_box(region: np.ndarray, min_area: int = 12) -> tuple[int, int, int, int] | None:
    """Bounding box of the marks inside a cell: strokes that touch its edge are rules, specks are noise."""
    import cv2

    if region.size == 0:
        return None
    n, _, stats, _ = cv2.connectedComponentsWithStats((region < 128).astype(np.uint8))
    h, w = region.shape
    keep = [s for s in stats[1:n] if s[4] >= min_area and s[0] > 0 and s[1] > 0
            and s[0] + s[2] < w and s[1] + s[3] < h]
    if not keep:
        return None
    return (min(s[0] for s in keep), min(s[1] for s in keep), max(s[0] + s[2] for s in keep),
            max(s[1] + s[3] for s in keep))


def fit_cells(gray: np.ndarray, boxes: list[Box], grids: list[Grid]) -> list[Box]:
    """Boxes kept inside table cells: a line the detector ran across a column rule is read again in
    parts, and a cell with ink but no box (a lone digit beside a rule) is read on its own."""
    out = []
    for b in boxes:
        grid = next((g for g in grids if g.cell(b) is not None), None)
        if grid is None:
            out.append(b)
            continue
        r, _ = grid.cell(b)
        cuts = [c for c in grid.cols[r] if b.x0 + 6 < c < b.x1 - 6]
        if not cuts:
            out.append(b)
            continue
        edges = [b.x0, *cuts, b.x1]
        for a, z in zip(edges, edges[1:]):
            part = _read_crop(gray, a + (3 if a != b.x0 else 0), b.y0, z - (3 if z != b.x1 else 0), b.y1)
            if part is not None:
                out.append(part)
    for grid in grids:
        taken = {grid.cell(b) for b in out}
        for r, (top, bottom) in enumerate(grid.rows):
            edges = [grid.x0, *grid.cols[r], grid.x1]
            for c, (a, z) in enumerate(zip(edges, edges[1:])):
                if (r, c) in taken:
                    continue
                ink = _ink_box(gray[top + 3:bottom - 2, a + 3:z - 2])
                if ink is not None:
                    x0, y0, x1, y1 = ink
                    found = _read_crop(gray, a + 3 + x0 - 4, top + 3 + y0 - 4, a + 3 + x1 + 4, top + 3 + y1 + 4)
                    if found is not None:
                        out.append(found)
    return out


def page_text(gray: np.ndarray) -> PageText:
    """One page image → its text: deskew, find ruled tables, recognise, keep cells apart, lay out."""
    gray, _ = deskew(gray)
    grids = find_grids(gray)
    return layout(fit_cells(gray, recognise(gray), grids), grids, gray.shape[0])


# --- files ---------------------------------------------------------------------------------------

def cache_dir() -> Path:
    """Where recognised texts are kept: $ASSISTANT_OCR_CACHE, else the user's cache folder."""
    env = os.environ.get("ASSISTANT_OCR_CACHE")
    return Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "plan-assistant" / "ocr"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _cache_path(digest: str) -> Path:
    return cache_dir() / f"{digest}.v{CACHE_VERSION}.json"


def cached_pages(digest: str) -> dict[int, PageText]:
    try:
        data = json.loads(_cache_path(digest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {int(k): PageText(v["text"], [tuple(x) for x in v["lines"]], v["opens"], v["closes"]) for k, v in data.items()}


def store_pages(digest: str, pages: dict[int, PageText]) -> None:
    """Write the cache atomically; a cache that cannot be written only costs time next time."""
    path = _cache_path(digest)
    data = {str(k): {"text": p.text, "lines": p.lines, "opens": p.opens, "closes": p.closes} for k, p in pages.items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def recognise_pages(path: Path, pages: list[int], render: Callable[[int], np.ndarray],
                    on_page: Progress | None = None) -> dict[int, PageText]:
    """Recognised text of the given pages (0-based), from the cache when this file was read before."""
    if len(pages) > MAX_PAGES:
        raise OcrLimit(f"{path.name}: 需要识别 {len(pages)} 页扫描页，超过上限 {MAX_PAGES} 页 / "
                       f"{len(pages)} scanned pages to OCR, the limit is {MAX_PAGES}")
    digest = file_sha256(path)
    done = cached_pages(digest)
    todo = [p for p in pages if p not in done]
    if todo:
        engine()
    for n, p in enumerate(todo):
        done[p] = page_text(render(p))
        if on_page:
            on_page(path.name, n + 1, len(todo))
    if todo:
        store_pages(digest, done)
    return {p: done[p] for p in pages}


class OcrLimit(ValueError):
    """Too many pages to recognise in one file."""


def render_pdf_page(path: Path) -> Callable[[int], np.ndarray]:
    """A function giving page n of the PDF as a grayscale image at DPI."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise OcrUnavailable("OCR 未安装 / OCR is not installed: pip install '.[ocr]'") from None
    doc = pdfium.PdfDocument(str(path))

    def render(n: int) -> np.ndarray:
        return np.asarray(doc[n].render(scale=DPI / 72, grayscale=True).to_pil().convert("L"))

    return render


def load_image(path: Path) -> np.ndarray:
    """A photo or scan image as grayscale, EXIF rotation applied, scaled down past MAX_SIDE."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert("L")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"{path.name}: 不是有效的图片 / not a readable image ({exc.__class__.__name__})") from None
    scale = MAX_SIDE / max(im.size)
    if scale < 1:
        im = im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
    return np.asarray(im)


@dataclass(frozen=True)
class Extracted:
    """A file's plan text; ``pages``: start offset of each PDF page; ``ocr_lines``: (start, end, confidence)."""

    text: str
    pages: tuple[int, ...] = ()
    ocr_lines: tuple[tuple[int, int, float], ...] = ()


def assemble(parts: list[tuple[str, PageText | None]]) -> Extracted:
    """Pages in order into one text: text-layer pages as they are, recognised ones with their line spans.

    Pages are separated by a line break, except where a recognised paragraph runs on to the next page.
    """
    text, starts, lines = "", [], []
    prev: PageText | None = None
    for i, (layer, ocr) in enumerate(parts):
        if i:
            text += "" if (prev is not None and ocr is not None and prev.closes and ocr.opens) else "\n"
        starts.append(len(text))
        if ocr is None:
            text += layer
        else:
            lines += [(len(text) + a, len(text) + b, c) for a, b, c in ocr.lines]
            text += ocr.text
        prev = ocr
    return Extracted(text, tuple(starts), tuple(lines))


# --- facts about a span, for citations ---------------------------------------------------------------

def page_of(pages: tuple[int, ...], start: int) -> int:
    """1-based page number of an offset, or 0 when the plan has no pages (a text file)."""
    return bisect.bisect_right(pages, start) if pages else 0


def span_confidence(lines: tuple[tuple[int, int, float], ...], start: int, end: int) -> float | None:
    """Lowest confidence of the recognised lines a span overlaps; None when none of it was recognised."""
    lo = max(0, bisect.bisect_right(lines, (start, float("inf"), 0.0)) - 1)
    hi = bisect.bisect_left(lines, (end, -1, 0.0))
    hits = [c for a, b, c in lines[lo:hi] if a < end and start < b]
    return min(hits) if hits else None


def source_facts(plan, start: int, end: int) -> dict:
    """Where a quoted span sits in its file, for a Citation: page number and OCR confidence."""
    return {"page": page_of(plan.pages, start), "ocr_confidence": span_confidence(plan.ocr_lines, start, end)}


def scan_note(page: int, confidence: float | None, english: bool = False) -> str:
    """"（第3页，扫描件识别文本）": tells staff to check a recognised figure against the original."""
    parts = []
    if page:
        parts.append(f"p. {page}" if english else f"第{page}页")
    if confidence is not None:
        parts.append("OCR text" if english else OCR_NOTE)
        if confidence < LOW_CONFIDENCE:
            parts.append("low recognition confidence, check the original" if english else "识别置信度低，请核对原件")
    if not parts:
        return ""
    return f" ({', '.join(parts)})" if english else f"（{'，'.join(parts)}）"


def progress_bar() -> Progress:
    """A per-page tqdm bar for each file recognised (the CLI's progress)."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def on_page(name: str, done: int, total: int) -> None:
        if name not in bars:
            bars[name] = tqdm(total=total, desc=f"OCR {name}", unit="page", leave=False)
        bars[name].update(1)
        if done >= total:
            bars.pop(name).close()

    return on_page

"""Made-up text plans → image-only PDFs that look like scanned 红头文件, to test and time OCR.

Pages are drawn with Pillow in a Chinese font from Debian (fonts-wqy-microhei): paragraphs with a
two-character first-line indent, centred title lines, markdown tables as ruled grids with wrapped,
top-aligned cells; then a slight rotation, speckle noise and blur, like a page through a scanner.
Nothing here is used by the assistant itself.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc")
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = (110, 120)  # left/right, top/bottom
BODY_PX = 25
TITLE_PX = 31
LINE_GAP = 0.62  # leading, as a share of the font size
_CENTRED = re.compile(r"^[^，。：；、]{2,36}$")
_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十\d]+）|\d+[.．、]|第[一二三四五六七八九十]+[章节])")
_RUN = re.compile(r"[A-Za-z0-9.%‰/]+|.", re.S)  # digit and Latin runs are never broken across lines


def font_path() -> Path:
    for p in FONT_PATHS:
        if Path(p).exists():
            return Path(p)
    raise FileNotFoundError("no Chinese font: apt-get install -y fonts-wqy-microhei")


@dataclass
class _Pen:
    pages: list
    y: int = 0


def _wrap(text: str, font, width: float) -> list[str]:
    lines, cur = [], ""
    for run in _RUN.findall(text):
        if cur and font.getlength(cur + run) > width:
            lines.append(cur)
            cur = run.lstrip() if run.isspace() else run
        else:
            cur += run
    return [*lines, cur] if cur else lines


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


class _Renderer:
    def __init__(self) -> None:
        from PIL import ImageFont

        path = str(font_path())
        self.body = ImageFont.truetype(path, BODY_PX)
        self.title = ImageFont.truetype(path, TITLE_PX)
        self.pages: list = []
        self.y = PAGE[1]
        self.left, self.right = MARGIN[0], PAGE[0] - MARGIN[0]

    def _room(self, height: int) -> None:
        from PIL import Image, ImageDraw

        if self.y + height > PAGE[1] - MARGIN[1]:
            page = Image.new("L", PAGE, 255)
            self.pages.append((page, ImageDraw.Draw(page)))
            self.y = MARGIN[1]

    def paragraph(self, text: str, centred: bool) -> None:
        font = self.title if centred else self.body
        step = int(font.size * (1 + LINE_GAP))
        width = self.right - self.left
        indent = "" if centred else "\u3000\u3000"
        for i, line in enumerate(_wrap(indent + text, font, width)):
            self._room(step)
            draw = self.pages[-1][1]
            x = self.left + (width - font.getlength(line)) / 2 if centred else self.left
            if not centred and i == 0:
                x += font.getlength("\u3000\u3000")
                line = line[2:]
            draw.text((x, self.y), line, font=font, fill=0)
            self.y += step

    def table(self, rows: list[list[str]]) -> None:
        font, width = self.body, self.right - self.left
        longest = [max(len(r[j]) if j < len(r) else 0 for r in rows) for j in range(len(rows[0]))]
        shares = [max(2.5, min(n, 24)) for n in longest]
        cols = [width * s / sum(shares) for s in shares]
        pad, step = 8, int(font.size * 1.35)
        for row in rows:
            wrapped = [_wrap(c, font, cols[j] - 2 * pad) or [""] for j, c in enumerate(row)]
            height = max(len(w) for w in wrapped) * step + 2 * pad
            self._room(height)
            draw = self.pages[-1][1]
            x = self.left
            for j, lines in enumerate(wrapped):
                draw.rectangle((x, self.y, x + cols[j], self.y + height), outline=0, width=2)
                for k, line in enumerate(lines):
                    draw.text((x + pad, self.y + pad + k * step), line, font=font, fill=0)
                x += cols[j]
            self.y += height
        self.y += step // 2


def render_pages(text: str) -> list:
    """The plan drawn as clean page images (PIL, grayscale), before any scanner noise."""
    r = _Renderer()
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                if not set(lines[i].replace("|", "").strip()) <= set("-: "):
                    rows.append(_cells(lines[i]))
                i += 1
            r.table(rows)
            continue
        if line:
            r.paragraph(line, bool(_CENTRED.match(line)) and not _ENUM.match(line))
        else:
            r.y += BODY_PX // 2
        i += 1
    return [p for p, _ in r.pages]


def scan_noise(page, rng: random.Random, max_degrees: float = 0.6):
    """A slight rotation, speckles and a little blur, as a flatbed scanner leaves them."""
    from PIL import Image, ImageFilter

    page = page.rotate(rng.uniform(-max_degrees, max_degrees), resample=Image.BICUBIC, fillcolor=255)
    px = page.load()
    w, h = page.size
    for _ in range(w * h // 900):
        px[rng.randrange(w), rng.randrange(h)] = rng.choice((0, 90, 160))
    return page.filter(ImageFilter.GaussianBlur(0.6))


def scanned_pdf(text: str, out: Path, seed: int = 7, max_pages: int | None = None) -> int:
    """Write an image-only PDF of the plan (no text layer); returns the number of pages."""
    rng = random.Random(seed)
    pages = [scan_noise(p, rng) for p in render_pages(text)][:max_pages]
    pages[0].save(out, "PDF", resolution=150, save_all=True, append_images=pages[1:])
    return len(pages)


def _plain(text: str) -> str:
    """Text without layout: no whitespace, no markdown table rules or pipes."""
    text = "\n".join(line for line in text.splitlines() if not re.fullmatch(r"[\s|:\-]*-[\s|:\-]*", line))
    return re.sub(r"[\s|]+", "", text)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row at a time (plans of ~10k characters take about a second)."""
    import numpy as np

    if not a or not b:
        return max(len(a), len(b))
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    prev = np.arange(len(b) + 1)
    for i, ch in enumerate(np.frombuffer(a.encode("utf-32-le"), dtype=np.uint32)):
        cost = (bb != ch).astype(np.int64)
        cur = np.empty_like(prev)
        cur[0] = i + 1
        np.minimum(prev[1:] + 1, prev[:-1] + cost, out=cur[1:])
        cur = np.minimum.accumulate(cur - np.arange(len(cur))) + np.arange(len(cur))  # insertions, left to right
        prev = cur
    return int(prev[-1])


def cer(recognised: str, source: str) -> float:
    """Character error rate of recognised text against the source, layout ignored."""
    ref = _plain(source)
    return edit_distance(_plain(recognised), ref) / max(len(ref), 1)

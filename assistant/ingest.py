"""Plan files → (Plan, text, chunks). Reading and decoding live here; parsing is in parse.py."""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from .chunking import Chunk, ChunkSettings, chunk_blocks
from .facts import Duty, Target, extract_duties, extract_targets
from .meta import Plan, override, plan_metadata
from .ocr import Extracted, OcrLimit, OcrUnavailable, PageText, Progress, assemble
from .parse import OutlineEntry, parse_blocks, parse_outline
from .settings import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

TEXT_SUFFIXES = (".txt", ".md")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")  # photos and scans of a plan, read by OCR
SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf", *IMAGE_SUFFIXES)
MIN_LAYER_CHARS = 20  # a PDF page with less text than this in its text layer is treated as a scan
# Characters a real text layer is made of; a page with many others (private-use glyphs, U+FFFD, Kangxi
# radicals from a broken font mapping, Latin mojibake) has a garbage layer and is recognised instead.
_LAYER_CHARS = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2000-\u206f\x20-\x7e\s‰℃×·—～]")
MAX_ODD_SHARE = 0.1
MANIFEST_NAME = "plans.json"


class InputError(ValueError):
    """A plan file cannot be read; the message says which and why."""


@dataclass(frozen=True)
class Document:
    plan: Plan
    text: str
    chunks: tuple[Chunk, ...]
    targets: tuple[Target, ...] = ()
    duties: tuple[Duty, ...] = ()
    outline: tuple[OutlineEntry, ...] = ()  # the plan's 目录, when it has one


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, which covers GBK and GB2312."""
    if not data.strip():
        raise InputError(f"{name}: 文件为空 / the file is empty")
    if b"\x00" in data[:4096]:
        raise InputError(f"{name}: 不是文本文件 / not a text file (binary content)")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text.replace("\r\n", "\n").replace("\r", "\n")
    raise InputError(f"{name}: 无法识别的编码 / cannot decode as UTF-8 or GB18030 text")


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0xE000 <= ord(ch) <= 0xF8FF)
    return bad <= len(sample) * 0.01


def plan_files(corpus_dir: Path) -> list[Path]:
    """The plan files of a corpus folder, in a stable order."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise InputError(f"语料目录不存在 / corpus folder not found: {corpus_dir}")
    files = sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise InputError(f"{corpus_dir}: 没有规划文件 / no plan files ({', '.join(SUFFIXES)})")
    return files


def overrides(corpus_dir: Path) -> dict:
    path = Path(corpus_dir) / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: invalid JSON ({exc})") from exc


def docx_text(path: Path) -> str:
    """Paragraphs and tables in document order; heading styles become markdown marks, rows tab-separated."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a .docx
        raise InputError(f"{path.name}: 不是有效的 Word 文件 / not a valid .docx file ({exc.__class__.__name__})") from None
    lines = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            lines.append("")
            for row in item.rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                lines.append("\t".join(cells))
            lines.append("")
            continue
        text = item.text.strip()
        style = (item.style.name if item.style is not None else "") or ""
        level = next((int(ch) for ch in style if ch.isdigit()), 0) if style.lower().startswith(("heading", "标题")) else 0
        lines.append(("#" * min(level, 6) + " " + text) if level and text else text)
    return "\n".join(lines)


def usable_layer(text: str) -> bool:
    """The page's text layer is real text: long enough and made of the characters plans are written in."""
    body = "".join(text.split())
    if len(body) < MIN_LAYER_CHARS:
        return False
    odd = len(body) - len(_LAYER_CHARS.findall(body))
    return odd <= len(body) * MAX_ODD_SHARE


_NEEDS_OCR = "需要 OCR：pip install '.[ocr]' / OCR needed: install the extra with pip install '.[ocr]'"


def pdf_content(path: Path, on_page: Progress | None = None) -> Extracted:
    """Each page's text layer where it is real text; pages without one (scans) are recognised by OCR."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        layers = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as exc:
        raise InputError(f"{path.name}: 不是有效的 PDF 文件 / not a valid PDF ({exc})") from None
    scans = [i for i, layer in enumerate(layers) if not usable_layer(layer)]
    recognised: dict[int, PageText] = {}
    if scans:
        from . import ocr

        try:
            recognised = ocr.recognise_pages(path, scans, ocr.render_pdf_page(path), on_page)
        except OcrUnavailable:
            if len(scans) < len(layers):
                raise InputError(f"{path.name}: 第 {', '.join(str(i + 1) for i in scans)} 页是扫描页（没有文字层），"
                                 f"{_NEEDS_OCR}") from None
            raise InputError(f"{path.name}: PDF 没有文字层（可能是扫描件），{_NEEDS_OCR}") from None
        except OcrLimit as exc:
            raise InputError(str(exc)) from None
    content = assemble([(layer, recognised.get(i)) for i, layer in enumerate(layers)])
    _refuse_empty_scan(path, content, bool(scans))
    return content


def image_content(path: Path, on_page: Progress | None = None) -> Extracted:
    """A photo or scanned page of a plan, recognised by OCR (one page: no page numbers)."""
    from . import ocr

    try:
        image = ocr.load_image(path)
        page = ocr.recognise_pages(path, [0], lambda n: image, on_page)[0]
    except OcrUnavailable:
        raise InputError(f"{path.name}: 图片需要识别文字，{_NEEDS_OCR}") from None
    except ValueError as exc:
        raise InputError(str(exc)) from None
    content = Extracted(page.text, (), tuple(page.lines))
    _refuse_empty_scan(path, content, True)
    return content


def _refuse_empty_scan(path: Path, content: Extracted, scanned: bool) -> None:
    if len("".join(content.text.split())) >= MIN_LAYER_CHARS:
        return
    if scanned:
        raise InputError(f"{path.name}: 扫描件 OCR 未识别出文字（空白页、过于模糊或不是文字页）/ "
                         "OCR found no text in the scan (blank, too blurred, or not a page of text)")
    raise InputError(f"{path.name}: PDF 没有文字内容 / the PDF has no text")


def pdf_text(path: Path) -> str:
    """The plan text of a PDF (text layer, or OCR for scanned pages)."""
    return pdf_content(path).text


def check_path(path: Path, follow_symlinks: bool = False) -> None:
    """A plan file must be a regular file; a symlink only when the user asked to follow it (a link named
    plan.txt may point at /etc/passwd), never a folder, pipe or device (reading a pipe blocks)."""
    path = Path(path)
    if path.is_symlink() and not follow_symlinks:
        raise InputError(f"{path}: 是符号链接（指向 {os.readlink(path)}）/ is a symbolic link; "
                         "add the file itself, or pass --follow-symlinks to index its target")
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"文件不存在 / file not found: {path}") from None
    except OSError as exc:
        raise InputError(f"{path}: 无法读取 / cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: 是文件夹，不是文件 / is a folder, not a file (use assistant build --corpus for a folder)")
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: 不是普通文件 / not a regular file (pipe, device or socket)")


def file_content(path: Path, on_page: Progress | None = None, follow_symlinks: bool = True) -> Extracted:
    """The plan text of a file, with page starts and recognised lines; citations point into exactly this text."""
    path = Path(path)
    check_path(path, follow_symlinks)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path.name}: 不支持的文件类型 / unsupported file type {suffix!r} (use {', '.join(SUFFIXES)})")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise InputError(f"{path.name}: 文件过大（{size / 2**20:.1f} MB），上限 {MAX_UPLOAD_MB} MB / "
                         f"file too large ({size / 2**20:.1f} MB, the limit is {MAX_UPLOAD_MB} MB)")
    if size == 0:
        raise InputError(f"{path.name}: 文件为空 / the file is empty")
    if suffix == ".docx":
        content = Extracted(docx_text(path))
    elif suffix == ".pdf":
        content = pdf_content(path, on_page)
    elif suffix in IMAGE_SUFFIXES:
        content = image_content(path, on_page)
    else:
        content = Extracted(decode(path.read_bytes(), path.name))
    if not content.text.strip():
        raise InputError(f"{path.name}: 文件没有文字内容 / the file has no text")
    return content


def file_text(path: Path, follow_symlinks: bool = True) -> str:
    """The plan text of a file; citations point into exactly this text."""
    return file_content(path, follow_symlinks=follow_symlinks).text


def document_from_text(plan: Plan, text: str, settings: ChunkSettings) -> Document:
    """Parse once; chunks for search, targets and duties for exact answers, the 目录 for locating."""
    blocks = parse_blocks(text, plan.title)
    chunks = chunk_blocks(plan.id, blocks, settings)
    return Document(plan, text, tuple(chunks), tuple(extract_targets(plan.id, text, blocks)),
                    tuple(extract_duties(plan.id, text, blocks)), tuple(parse_outline(text, plan.id)))


def read_document(path: Path, settings: ChunkSettings, extra: dict | None = None,
                  on_page: Progress | None = None, plan_id: str | None = None,
                  follow_symlinks: bool = True) -> Document:
    """Read, decode (or recognise), describe, parse and chunk one plan file; the plan remembers its real
    source path."""
    path = Path(path)
    content = file_content(path, on_page, follow_symlinks)
    text = content.text
    plan = replace(plan_metadata(plan_id or path.stem, path.name, text), pages=content.pages,
                   ocr_lines=content.ocr_lines, source=str(path.resolve()))
    if extra:
        plan = override(plan, extra)
    return document_from_text(plan, text, settings)


def with_id(doc: Document, plan_id: str, settings: ChunkSettings) -> Document:
    """The same document under another plan id (chunk ids and records carry the id, so re-derive them)."""
    return doc if doc.plan.id == plan_id else document_from_text(replace(doc.plan, id=plan_id), doc.text, settings)

"""Plan files → (Plan, text, chunks). Reading and decoding live here; parsing is in parse.py."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from .chunking import Chunk, ChunkSettings, chunk_blocks
from .facts import Duty, Target, extract_duties, extract_targets
from .meta import Plan, override, plan_metadata
from .parse import OutlineEntry, parse_blocks, parse_outline

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf")
MANIFEST_NAME = "plans.json"
MAX_FILE_MB = 50


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


def pdf_text(path: Path) -> str:
    """The text layer of every page; a PDF without one (a scan) is refused with a clear message."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as exc:
        raise InputError(f"{path.name}: 不是有效的 PDF 文件 / not a valid PDF ({exc})") from None
    text = "\n".join(pages)
    if len(text.strip()) < 20:
        raise InputError(f"{path.name}: PDF 没有文字层（可能是扫描件，暂不支持 OCR）/ no text layer (scanned PDF?); OCR is not supported")
    return text


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


def file_text(path: Path, follow_symlinks: bool = True) -> str:
    """The plan text of a file; citations point into exactly this text."""
    path = Path(path)
    check_path(path, follow_symlinks)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path.name}: 不支持的文件类型 / unsupported file type {suffix!r} (use {', '.join(SUFFIXES)})")
    size = path.stat().st_size
    if size > MAX_FILE_MB * 1024 * 1024:
        raise InputError(f"{path.name}: 文件过大（{size / 2**20:.0f} MB，上限 {MAX_FILE_MB} MB）/ file too large")
    if size == 0:
        raise InputError(f"{path.name}: 文件为空 / the file is empty")
    if suffix == ".docx":
        text = docx_text(path)
    elif suffix == ".pdf":
        text = pdf_text(path)
    else:
        text = decode(path.read_bytes(), path.name)
    if not text.strip():
        raise InputError(f"{path.name}: 文件没有文字内容 / the file has no text")
    return text


def document_from_text(plan: Plan, text: str, settings: ChunkSettings) -> Document:
    """Parse once; chunks for search, targets and duties for exact answers, the 目录 for locating."""
    blocks = parse_blocks(text, plan.title)
    chunks = chunk_blocks(plan.id, blocks, settings)
    return Document(plan, text, tuple(chunks), tuple(extract_targets(plan.id, text, blocks)),
                    tuple(extract_duties(plan.id, text, blocks)), tuple(parse_outline(text, plan.id)))


def read_document(path: Path, settings: ChunkSettings, extra: dict | None = None, plan_id: str | None = None,
                  follow_symlinks: bool = True) -> Document:
    """Read, decode, describe, parse and chunk one plan file; the plan remembers its real source path."""
    path = Path(path)
    text = file_text(path, follow_symlinks)
    plan = plan_metadata(plan_id or path.stem, path.name, text)
    plan = replace(plan, source=str(path.resolve()))
    if extra:
        plan = override(plan, extra)
    return document_from_text(plan, text, settings)


def with_id(doc: Document, plan_id: str, settings: ChunkSettings) -> Document:
    """The same document under another plan id (chunk ids and records carry the id, so re-derive them)."""
    return doc if doc.plan.id == plan_id else document_from_text(replace(doc.plan, id=plan_id), doc.text, settings)

"""Plan files → (Plan, text, chunks). Reading and decoding live here; parsing is in parse.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .chunking import Chunk, ChunkSettings, chunk_blocks
from .meta import Plan, override, plan_metadata
from .parse import parse_blocks

TEXT_SUFFIXES = (".txt", ".md")
MANIFEST_NAME = "plans.json"


class InputError(ValueError):
    """A plan file cannot be read; the message says which and why."""


@dataclass(frozen=True)
class Document:
    plan: Plan
    text: str
    chunks: tuple[Chunk, ...]


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
    files = sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    if not files:
        raise InputError(f"{corpus_dir}: 没有规划文件 / no plan files ({', '.join(TEXT_SUFFIXES)})")
    return files


def overrides(corpus_dir: Path) -> dict:
    path = Path(corpus_dir) / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: invalid JSON ({exc})") from exc


def read_document(path: Path, settings: ChunkSettings, extra: dict | None = None) -> Document:
    """Read, decode, describe, parse and chunk one plan file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"文件不存在 / file not found: {path}")
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise InputError(f"{path.name}: 不支持的文件类型 / unsupported file type {path.suffix!r}")
    text = decode(path.read_bytes(), path.name)
    plan = plan_metadata(path.stem, path.name, text)
    if extra:
        plan = override(plan, extra)
    chunks = chunk_blocks(plan.id, parse_blocks(text, plan.title), settings)
    return Document(plan, text, tuple(chunks))

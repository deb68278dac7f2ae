"""Blocks → chunks: sentence-aware splits that never cross a section, table rows kept whole.

Each chunk records where its text came from as runs ``(clean_offset, raw_offset, length)`` so a
sentence inside it can be cited at its exact place in the plan.
"""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass
from itertools import groupby

from .parse import SEP, Block, numbering

SEPARATORS = ["\n", "。", "！", "？", "；", "，", "、", ""]


@dataclass(frozen=True)
class ChunkSettings:
    """How plans are cut; stored in the index manifest so a mismatch is detected."""

    size: int = 320
    overlap: int = 100

    def as_dict(self) -> dict:
        return {"size": self.size, "overlap": self.overlap, "separators": SEPARATORS}


@dataclass(frozen=True)
class Chunk:
    """A searchable, citable piece of one plan."""

    id: str
    plan: str
    kind: str  # "para" | "row"
    section: tuple[str, ...]
    text: str
    start: int
    end: int
    runs: tuple[tuple[int, int, int], ...] = ()

    def search_text(self, title: str) -> str:
        """What is embedded and keyword-indexed: plan title, section path and the text."""
        return f"{title}{SEP}{SEP.join(self.section)}\n{self.text}"

    def key(self, title: str) -> str:
        """Hash of exactly what is embedded, to reuse the vectors of unchanged text."""
        return hashlib.sha1(self.search_text(title).encode()).hexdigest()[:20]

    def raw_span(self, lo: int, hi: int) -> tuple[int, int]:
        """Raw offsets of clean text [lo, hi) of this chunk."""
        if not self.runs:
            return self.start, self.end
        return _raw_at(self.runs, lo, self.start), _raw_at(self.runs, hi - 1, self.end - 1) + 1


def _raw_at(runs, i: int, default: int) -> int:
    for c, r, n in runs:
        if c <= i < c + n:
            return r + (i - c)
    return default


def _runs(pos: array) -> tuple[tuple[int, int, int], ...]:
    runs: list[list[int]] = []
    for i, p in enumerate(pos):
        if runs and runs[-1][1] + runs[-1][2] == p and runs[-1][0] + runs[-1][2] == i:
            runs[-1][2] += 1
        else:
            runs.append([i, p, 1])
    return tuple(tuple(r) for r in runs)


def section_key(section: tuple[str, ...]) -> str:
    return "/".join(numbering(s) for s in section) or "0"


def chunk_blocks(plan_id: str, blocks: list[Block], settings: ChunkSettings) -> list[Chunk]:
    """Group paragraphs by section, split each group with the Chinese sentence separators."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        chunk_size=settings.size,
        chunk_overlap=settings.overlap,
        add_start_index=True,
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    counts: dict[str, int] = {}

    def add(kind: str, section: tuple[str, ...], text: str, start: int, end: int, runs=()) -> None:
        key = section_key(section)
        n = counts.get(key, 0)
        counts[key] = n + 1
        chunks.append(Chunk(f"{plan_id}:{key}:{n}", plan_id, kind, section, text, start, end, runs))

    for (kind, section), group in groupby(blocks, key=lambda b: (b.kind, b.section)):
        group = list(group)
        if kind == "row":
            for b in group:
                add("row", section, b.text, b.start, b.end)
            continue
        text, pos = "", array("i")
        for b in group:
            if text:
                text += "\n"
                pos.append(pos[-1])
            text += b.text
            pos.extend(b.pos)
        for doc in splitter.create_documents([text]):
            lo = doc.metadata["start_index"]
            piece = doc.page_content
            if lo < 0 or not piece.strip():
                continue
            sub = pos[lo : lo + len(piece)]
            runs = tuple((c - 0, r, n) for c, r, n in _runs(sub))
            add("para", section, piece, sub[0], sub[-1] + 1, runs)
    return chunks


_OPEN, _CLOSE = "（(", "）)"
_ENDS = "。！？；\n"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; a bracketed note such as （牵头部门：…；参与部门：…） is never split."""
    spans, lo, depth = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _ENDS and depth == 0:
            spans.append((lo, i + 1))
            lo = i + 1
    spans.append((lo, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a >= 2:
            out.append((a, b))
    return out


def sentences(chunk: Chunk) -> list[tuple[str, int, int]]:
    """Split a chunk into sentences with their raw offsets (a table row is one sentence)."""
    if chunk.kind == "row":
        return [(chunk.text, chunk.start, chunk.end)]
    return [(chunk.text[a:b], *chunk.raw_span(a, b)) for a, b in split_sentences(chunk.text)]

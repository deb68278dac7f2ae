"""The index on disk: a folder of plain files, written atomically, refused when it does not match.

Layout: ``manifest.json`` (format version, embedder, dimension, chunking, plans), ``plans/<id>.txt``
(the exact text that citation offsets refer to), ``chunks.jsonl``, ``vectors.faiss``, ``bm25/``,
``terms.json`` (document frequencies), ``targets.jsonl``, ``duties.jsonl`` and ``outline.jsonl`` (the
plans' 目录 entries). Nothing is pickled.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .facts import Duty, Target
from .meta import Plan
from .parse import OutlineEntry

FORMAT_VERSION = 3  # 3: outline.jsonl
MANIFEST = "manifest.json"
# Exact search stays under ~20 ms up to 100k vectors (docs/bench); above that an IVF index with
# NPROBE lists keeps recall@10 ≈ 0.99 at a fraction of the time (measured at 200k in docs/bench).
IVF_MIN = 100_000
NPROBE = 32


def vector_index(vectors: np.ndarray, dim: int, ivf_min: int | None = None):
    """Exact inner-product index for small corpora, IVF for large ones (normalised vectors)."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = len(vectors)
    if n < (IVF_MIN if ivf_min is None else ivf_min):
        index = faiss.IndexFlatIP(dim)
    else:
        nlist = max(1, int(4 * n**0.5))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
    if n:
        index.add(vectors)
    return index


def search_params(index, allowed_rows: np.ndarray | None):
    """Search parameters: the plan filter as an ID selector, and NPROBE for IVF indexes."""
    import faiss

    sel = faiss.IDSelectorBatch(allowed_rows.astype(np.int64)) if allowed_rows is not None else None
    if isinstance(index, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=sel, nprobe=NPROBE)
    return faiss.SearchParameters(sel=sel) if sel is not None else None


class IndexProblem(RuntimeError):
    """The index folder is missing, partial, corrupt or built differently."""


@dataclass(frozen=True)
class Manifest:
    format_version: int
    embedder: str
    dim: int
    chunking: dict
    plans: tuple[Plan, ...]

    def to_json(self) -> dict:
        d = asdict(self)
        d["plans"] = [asdict(p) for p in self.plans]
        return d

    @classmethod
    def from_json(cls, d: dict) -> Manifest:
        plans = tuple(Plan(**p) for p in d.get("plans", []))
        return cls(d["format_version"], d["embedder"], int(d["dim"]), d["chunking"], plans)


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def chunk_to_json(c: Chunk, title: str) -> dict:
    d = asdict(c)
    d["section"] = list(c.section)
    d["runs"] = [list(r) for r in c.runs]
    d["key"] = c.key(title)
    return d


def chunk_from_json(d: dict) -> Chunk:
    return Chunk(
        d["id"], d["plan"], d["kind"], tuple(d["section"]), d["text"], d["start"], d["end"],
        tuple(tuple(r) for r in d.get("runs", [])),
    )


@contextlib.contextmanager
def write_lock(index_dir: Path):
    """One writer at a time: a second build/add fails at once with a clear message."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir.parent / f".{index_dir.name}.lock"
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexProblem(f"another process is writing the index {index_dir} (lock {lock_path})") from None
        yield


def save_index(index_dir: Path, manifest: Manifest, texts: dict[str, str], chunks: list[Chunk],
               vectors: np.ndarray, token_lists: list[list[str]], facts: dict[str, list] | None = None,
               ivf_min: int | None = None) -> None:
    """Write every file into a temporary folder, then swap it in, so a crash leaves the old index."""
    import bm25s
    import faiss

    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        (tmp / "plans").mkdir()
        titles = {p.id: p.title for p in manifest.plans}
        for pid, text in texts.items():
            (tmp / "plans" / f"{pid}.txt").write_text(text, encoding="utf-8", newline="")
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(chunk_to_json(c, titles[c.plan]), ensure_ascii=False) + "\n")
        for name, records in (facts or {}).items():
            with open(tmp / f"{name}.jsonl", "w", encoding="utf-8") as fh:
                for r in records:
                    fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
        faiss.write_index(vector_index(vectors, manifest.dim, ivf_min), str(tmp / "vectors.faiss"))
        retriever = bm25s.BM25()
        retriever.index([t or [""] for t in token_lists] or [[""]], show_progress=False)
        retriever.save(str(tmp / "bm25"), show_progress=False)
        df: dict[str, int] = {}
        for tokens in token_lists:
            for t in set(tokens):
                df[t] = df.get(t, 0) + 1
        write_json(tmp / "terms.json", {"docs": len(token_lists), "df": df})
        write_json(tmp / MANIFEST, manifest.to_json())
        _swap(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(tmp: Path, index_dir: Path) -> None:
    old = None
    if index_dir.exists():
        old = index_dir.parent / f".{index_dir.name}.old-{os.getpid()}"
        os.rename(index_dir, old)
    os.rename(tmp, index_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


REBUILD = "Rebuild it with: assistant build --corpus DIR --index {dir}"


def _recover(index_dir: Path) -> None:
    """Put back the previous index if a writer died between its two renames."""
    if index_dir.exists():
        return
    olds = sorted(index_dir.parent.glob(f".{index_dir.name}.old-*"))
    if olds and (olds[-1] / MANIFEST).exists():
        os.rename(olds[-1], index_dir)


def read_manifest(index_dir: Path) -> Manifest:
    _recover(Path(index_dir))
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        raise IndexProblem(f"no index at {index_dir} (missing {MANIFEST}). " + REBUILD.format(dir=index_dir))
    try:
        m = Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexProblem(f"index manifest {path} is corrupt ({exc}). " + REBUILD.format(dir=index_dir)) from exc
    if m.format_version != FORMAT_VERSION:
        raise IndexProblem(
            f"index {index_dir} has format version {m.format_version}, this program reads "
            f"{FORMAT_VERSION}. " + REBUILD.format(dir=index_dir)
        )
    return m


def load_files(index_dir: Path, manifest: Manifest):
    """Read chunks, vectors, BM25 and plan texts; any inconsistency is reported, never guessed."""
    import bm25s
    import faiss

    index_dir = Path(index_dir)
    try:
        chunks = [chunk_from_json(json.loads(line)) for line in
                  (index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]
        vectors = faiss.read_index(str(index_dir / "vectors.faiss"))
        bm25 = bm25s.BM25.load(str(index_dir / "bm25"))
        terms = json.loads((index_dir / "terms.json").read_text(encoding="utf-8"))
        facts = load_facts(index_dir)
        texts = {p.id: (index_dir / "plans" / f"{p.id}.txt").read_text(encoding="utf-8") for p in manifest.plans}
    except Exception as exc:  # any unreadable file means the same thing to the user
        raise IndexProblem(f"index {index_dir} is incomplete or corrupt ({exc}). " + REBUILD.format(dir=index_dir)) from exc
    if vectors.ntotal != len(chunks) or vectors.d != manifest.dim:
        raise IndexProblem(
            f"index {index_dir} is inconsistent: {vectors.ntotal} vectors of dimension {vectors.d} for "
            f"{len(chunks)} chunks (manifest says {manifest.dim}). " + REBUILD.format(dir=index_dir)
        )
    return chunks, vectors, bm25, terms, texts, facts


def load_facts(index_dir: Path) -> dict[str, list]:
    """Target, duty and 目录 records of an index (no model needed: for listing and export)."""
    return {name: [cls(**_tuples(json.loads(line))) for line in
                   (Path(index_dir) / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]
            for name, cls in (("targets", Target), ("duties", Duty), ("outline", OutlineEntry))}


def _tuples(d: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}

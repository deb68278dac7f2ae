"""The index on disk: a folder of plain files, written atomically, refused when it does not match.

Layout: ``manifest.json`` (format version, embedder, dimension, chunking, plans), ``plans/<id>.txt``
(the exact text that citation offsets refer to), ``chunks.jsonl``, ``vectors.faiss``, ``bm25/``,
``terms.json`` (document frequencies), ``targets.jsonl``, ``duties.jsonl`` and ``outline.jsonl`` (the
plans' 目录 entries). Nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .facts import Duty, Target
from .meta import Plan
from .parse import OutlineEntry
from .swap import IndexProblem, new_token, real_index, recover, swap_in, tmp_folder, write_lock  # noqa: F401

FORMAT_VERSION = 4  # 3: outline.jsonl; 4: sha256 of every file in the manifest
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


@dataclass(frozen=True)
class Manifest:
    format_version: int
    embedder: str
    dim: int
    chunking: dict
    plans: tuple[Plan, ...]
    files: dict = field(default_factory=dict)  # relative path → {"sha256", "bytes"}, every file but this one
    generation: str = ""  # new for every write: a reader notices a swap that happened while it loaded

    def to_json(self) -> dict:
        d = asdict(self)
        d["plans"] = [asdict(p) for p in self.plans]
        return d

    @classmethod
    def from_json(cls, d: dict) -> Manifest:
        plans = tuple(Plan(**p) for p in d.get("plans", []))
        return cls(d["format_version"], d["embedder"], int(d["dim"]), d["chunking"], plans,
                   dict(d.get("files") or {}), str(d.get("generation", "")))


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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest_checksum(data: dict) -> str:
    body = {k: v for k, v in data.items() if k != "checksum"}
    return _sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def file_table(folder: Path) -> dict[str, dict]:
    """sha256 and size of every file under ``folder`` (relative POSIX paths, sorted), manifest excluded."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel != MANIFEST:
            data = path.read_bytes()
            out[rel] = {"sha256": _sha256(data), "bytes": len(data)}
    return out


def save_index(index_dir: Path, manifest: Manifest, texts: dict[str, str], chunks: list[Chunk],
               vectors: np.ndarray, token_lists: list[list[str]], facts: dict[str, list] | None = None,
               ivf_min: int | None = None) -> None:
    """Write every file into a temporary folder, record their checksums in the manifest (written last),
    then swap it in through the journal, so a crash at any point leaves the old or the new index whole.
    The caller holds ``write_lock``."""
    import bm25s
    import faiss

    real = real_index(index_dir)
    real.parent.mkdir(parents=True, exist_ok=True)
    token = new_token()
    tmp = tmp_folder(real, token)
    tmp.mkdir()
    try:
        (tmp / "plans").mkdir()
        titles = {p.id: p.title for p in manifest.plans}
        for pid, text in texts.items():
            (tmp / "plans" / f"{pid}.txt").write_text(text, encoding="utf-8", newline="")
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(chunk_to_json(c, titles[c.plan]), ensure_ascii=False) + "\n")
        for name in FACT_FILES:
            with open(tmp / f"{name}.jsonl", "w", encoding="utf-8") as fh:
                for r in (facts or {}).get(name, []):
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
        final = replace(manifest, files=file_table(tmp), generation=token)
        data = final.to_json()
        data["checksum"] = _manifest_checksum(data)
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, indent=1))
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_in(tmp, real, token)  # past the commit point a failure is finished by the next access, not undone


FACT_FILES = ("targets", "duties", "outline")
REBUILD = "Rebuild it with: assistant build --corpus DIR --index {dir} (then assistant add any plans added since)"


class IndexChanged(IndexProblem):
    """Another process swapped the index in while this one was loading it: load again."""


def damaged(index_dir: Path, rel: str, why: str) -> IndexProblem:
    return IndexProblem(f"index damaged: {rel} ({why}); rebuild with: assistant build --corpus DIR --index {index_dir} "
                        "(then assistant add any plans added since)")


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest of a whole index (a dead writer's swap finished first), its own checksum verified."""
    path = Path(index_dir) / MANIFEST
    raw = None
    for _ in range(3):  # a writer may rename the folder between our check and our read: look again
        recover(index_dir)
        try:
            raw = path.read_text(encoding="utf-8")
            break
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise damaged(index_dir, MANIFEST, f"unreadable: {exc}") from exc
    if raw is None:
        raise IndexProblem(f"no index at {index_dir} (missing {MANIFEST}). " + REBUILD.format(dir=index_dir))
    try:
        data = json.loads(raw)
        m = Manifest.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise damaged(index_dir, MANIFEST, f"corrupt: {exc}") from exc
    if m.format_version != FORMAT_VERSION:
        raise IndexProblem(
            f"index {index_dir} has format version {m.format_version}, this program reads "
            f"{FORMAT_VERSION}. " + REBUILD.format(dir=index_dir)
        )
    if data.get("checksum") != _manifest_checksum(data):
        raise damaged(index_dir, MANIFEST, "corrupt: checksum mismatch")
    return m


def _generation(index_dir: Path) -> str | None:
    try:
        return str(json.loads((Path(index_dir) / MANIFEST).read_text(encoding="utf-8")).get("generation"))
    except (OSError, ValueError, AttributeError):
        return None


class _Reader:
    """Reads the files a manifest lists, each checked against its recorded size and sha256 (files over
    ``hash_max`` bytes by size only, unless ``full``)."""

    def __init__(self, index_dir: Path, manifest: Manifest, full: bool = False):
        self.dir, self.manifest, self.full = Path(index_dir), manifest, full

    def fail(self, rel: str, why: str) -> IndexProblem:
        if _generation(self.dir) != self.manifest.generation:
            return IndexChanged(f"index {self.dir} was replaced while it was being read; load it again")
        return damaged(self.dir, rel, why)

    def bytes(self, rel: str) -> bytes:
        meta = self.manifest.files.get(rel)
        if meta is None:
            raise self.fail(rel, "not listed in the manifest")
        try:
            data = (self.dir / rel).read_bytes()
        except FileNotFoundError:
            raise self.fail(rel, "missing") from None
        except OSError as exc:
            raise self.fail(rel, f"unreadable: {exc}") from None
        if len(data) != meta.get("bytes"):
            raise self.fail(rel, f"corrupt: {len(data)} bytes, the manifest says {meta.get('bytes')}")
        if (self.full or len(data) <= HASH_MAX) and _sha256(data) != meta.get("sha256"):
            raise self.fail(rel, "corrupt: checksum mismatch")
        return data

    def text(self, rel: str) -> str:
        try:
            return self.bytes(rel).decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(rel, "corrupt: not UTF-8") from None

    def lines(self, rel: str, parse):
        try:
            return [parse(json.loads(line)) for line in self.text(rel).splitlines() if line]
        except (ValueError, KeyError, TypeError) as exc:
            raise self.fail(rel, f"corrupt: {exc}") from None

    def folder(self, prefix: str) -> None:
        names = [rel for rel in self.manifest.files if rel.startswith(prefix + "/")]
        if not names:
            raise self.fail(prefix, "missing")
        for rel in names:
            self.bytes(rel)

    def unchanged(self) -> None:
        if _generation(self.dir) != self.manifest.generation:
            raise IndexChanged(f"index {self.dir} was replaced while it was being read; load it again")


# Files up to this size are hashed on every load (~2 ms per MB); bigger ones (the vectors of a very large
# corpus) are checked by size on load and hashed in full by ``assistant verify``.
HASH_MAX = 64 * 2**20


def load_files(index_dir: Path, manifest: Manifest, full: bool = False):
    """Read chunks, vectors, BM25 and plan texts, each verified against the manifest; a damaged file is
    named and refused, never served."""
    import bm25s
    import faiss

    index_dir = Path(index_dir)
    reader = _Reader(index_dir, manifest, full)
    chunks = reader.lines("chunks.jsonl", chunk_from_json)
    raw = np.frombuffer(reader.bytes("vectors.faiss"), dtype=np.uint8)
    try:
        vectors = faiss.deserialize_index(raw)
    except RuntimeError as exc:
        raise reader.fail("vectors.faiss", f"corrupt: {str(exc).splitlines()[0][:120]}") from None
    reader.folder("bm25")
    try:
        bm25 = bm25s.BM25.load(str(index_dir / "bm25"))
    except Exception as exc:  # numpy/json errors of several kinds: the folder is unusable either way
        raise reader.fail("bm25", f"corrupt: {exc}") from None
    try:
        terms = json.loads(reader.text("terms.json"))
        terms["df"], terms["docs"]  # noqa: B018 (both keys are needed by the scorer)
    except (ValueError, KeyError, TypeError) as exc:
        raise reader.fail("terms.json", f"corrupt: {exc}") from None
    facts = _facts(reader)
    texts = {p.id: reader.text(f"plans/{p.id}.txt") for p in manifest.plans}
    reader.unchanged()
    if vectors.ntotal != len(chunks) or vectors.d != manifest.dim:
        raise IndexProblem(
            f"index {index_dir} is inconsistent: {vectors.ntotal} vectors of dimension {vectors.d} for "
            f"{len(chunks)} chunks (manifest says {manifest.dim}). " + REBUILD.format(dir=index_dir)
        )
    return chunks, vectors, bm25, terms, texts, facts


def open_index(index_dir: Path, tries: int = 3, full: bool = False):
    """(manifest, files) of one consistent snapshot, loading again when a writer swapped mid-read."""
    for attempt in range(tries):
        manifest = read_manifest(index_dir)
        try:
            return manifest, load_files(index_dir, manifest, full)
        except IndexChanged:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


def _facts(reader: _Reader) -> dict[str, list]:
    return {name: reader.lines(f"{name}.jsonl", lambda d, cls=cls: cls(**_tuples(d)))
            for name, cls in (("targets", Target), ("duties", Duty), ("outline", OutlineEntry))}


def load_facts(index_dir: Path, manifest: Manifest | None = None) -> dict[str, list]:
    """Target, duty and 目录 records of an index, verified (no model needed: for listing and export)."""
    return _facts(_Reader(index_dir, manifest or read_manifest(index_dir)))


def plan_texts(index_dir: Path, manifest: Manifest) -> dict[str, str]:
    """The stored plan texts, verified: a writer must never re-chunk a damaged text into a new index."""
    reader = _Reader(index_dir, manifest)
    return {p.id: reader.text(f"plans/{p.id}.txt") for p in manifest.plans}


def verify_index(index_dir: Path) -> dict:
    """Every file hashed in full and every structure loaded; raises IndexProblem naming the first damage."""
    manifest, files = open_index(index_dir, full=True)
    chunks, vectors, _bm25, _terms, texts, facts = files
    listed = set(manifest.files) | {MANIFEST}
    extra = sorted(rel for rel in file_table(Path(index_dir)) if rel not in listed)
    return {"plans": len(manifest.plans), "chunks": len(chunks), "vectors": int(vectors.ntotal),
            "files": len(manifest.files) + 1, "bytes": sum(m["bytes"] for m in manifest.files.values()),
            "targets": len(facts["targets"]), "duties": len(facts["duties"]), "unlisted": extra}


def _tuples(d: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}

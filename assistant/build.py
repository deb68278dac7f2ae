"""Writing indexes: build from a corpus folder, add or replace plan files, remove plans.

Every write goes through ``write_documents``: it embeds only chunk texts whose content key is not
already in the current index, then saves a complete new index folder and swaps it in.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embed import Encoder, load_encoder
from .ingest import Document, InputError, document_from_text, overrides, plan_files, read_document
from .search import tokenize
from .settings import Settings
from .store import FORMAT_VERSION, Manifest, read_manifest, save_index, write_lock


@dataclass(frozen=True)
class Change:
    """What a write did to one plan, for the user's report."""

    plan: str
    action: str  # added | replaced | unchanged | removed
    chunks: int = 0


def _cached_vectors(index_dir: Path, embedder: str) -> dict[str, np.ndarray]:
    """Vectors of the existing index by chunk content key, when it was built by the same embedder."""
    import faiss

    try:
        manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("embedder") != embedder:
            return {}
        keys = [json.loads(line)["key"] for line in
                (index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]
        index = faiss.read_index(str(index_dir / "vectors.faiss"))
        if isinstance(index, faiss.IndexIVF):
            index.make_direct_map()
        vecs = index.reconstruct_n(0, index.ntotal)
    except (OSError, ValueError, KeyError, RuntimeError):
        return {}
    return dict(zip(keys, vecs)) if len(keys) == len(vecs) else {}


def _embed(encoder: Encoder, texts: list[str], progress: bool) -> np.ndarray:
    if not progress or len(texts) <= 32:
        return encoder.encode(texts)
    from tqdm import tqdm

    step = 32
    parts = [encoder.encode(texts[i : i + step]) for i in tqdm(range(0, len(texts), step), desc="embedding",
                                                                   unit="batch", leave=False)]
    return np.vstack(parts)


def write_documents(settings: Settings, docs: list[Document], encoder: Encoder, log=print,
                    progress: bool = False) -> dict:
    """Embed what is new, then atomically replace the index with exactly these documents."""
    index_dir = Path(settings.index_dir)
    ids = [d.plan.id for d in docs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"两个文件的规划编号相同 / two files share a plan id: {dupes}")
    chunks = [c for d in docs for c in d.chunks]
    titles = {d.plan.id: d.plan.title for d in docs}
    t0 = time.perf_counter()
    cache = _cached_vectors(index_dir, encoder.name)
    keys = [c.key(titles[c.plan]) for c in chunks]
    todo, queued = [], set()  # one embedding per distinct text: repeated passages share it
    for i, k in enumerate(keys):
        if k not in cache and k not in queued:
            queued.add(k)
            todo.append(i)
    log(f"{len(docs)} plans, {len(chunks)} chunks; embedding {len(todo)} (reusing {len(chunks) - len(todo)})")
    fresh = _embed(encoder, [chunks[i].search_text(titles[chunks[i].plan]) for i in todo], progress) if todo else []
    for i, v in zip(todo, fresh):
        cache[keys[i]] = v
    vectors = np.vstack([cache[k] for k in keys]) if keys else np.zeros((0, encoder.dim), np.float32)
    t1 = time.perf_counter()
    tokens = [tokenize(c.search_text(titles[c.plan])) for c in chunks]
    manifest = Manifest(FORMAT_VERSION, encoder.name, encoder.dim, settings.chunking.as_dict(),
                        tuple(d.plan for d in docs))
    facts = {"targets": [t for d in docs for t in d.targets], "duties": [x for d in docs for x in d.duties],
             "outline": [e for d in docs for e in d.outline]}
    save_index(index_dir, manifest, {d.plan.id: d.text for d in docs}, chunks, vectors, tokens, facts)
    return {"embed_s": t1 - t0, "index_s": time.perf_counter() - t1, "plans": len(docs),
            "chunks": len(chunks), "embedded": len(todo)}


def build_index(settings: Settings, encoder: Encoder | None = None, log=print, progress: bool = False) -> dict:
    """Parse, chunk, embed and index every plan in the corpus folder; returns stage timings."""
    t0 = time.perf_counter()
    docs = []
    on_page = None
    if progress:
        from .ocr import progress_bar

        on_page = progress_bar()
    for folder in (settings.corpus_dir, *settings.extra_corpus):
        extra = overrides(folder)
        docs += [read_document(f, settings.chunking, extra.get(f.name) or extra.get(f.stem), on_page)
                 for f in plan_files(folder)]
    _refuse_duplicates(docs)
    t_parse = time.perf_counter() - t0
    encoder = encoder or load_encoder(settings.build_embedder)
    with write_lock(Path(settings.index_dir)):
        stats = write_documents(settings, docs, encoder, log, progress)
    return {"parse_chunk_s": t_parse, **stats}


def _refuse_duplicates(docs: list[Document]) -> None:
    seen: dict[str, str] = {}
    for d in docs:
        if d.plan.sha256 in seen:
            raise InputError(
                f"{d.plan.doc}: 与已有规划 {seen[d.plan.sha256]} 内容相同 / same text as plan {seen[d.plan.sha256]!r}"
            )
        seen[d.plan.sha256] = d.plan.doc


def _current_documents(settings: Settings) -> tuple[Manifest, list[Document]]:
    """The documents of the existing index, re-chunked from their stored texts (fast, no embedding)."""
    manifest = read_manifest(settings.index_dir)
    docs = []
    for plan in manifest.plans:
        text = (Path(settings.index_dir) / "plans" / f"{plan.id}.txt").read_text(encoding="utf-8")
        docs.append(document_from_text(plan, text, settings.chunking))
    return manifest, docs


def add_files(settings: Settings, files: list[Path], encoder: Encoder | None = None, log=print,
              progress: bool = False, on_page=None) -> list[Change]:
    """Add new plans, replace changed ones, skip unchanged ones; nothing is written if any file is bad.

    ``on_page(file name, pages done, pages to recognise)`` follows OCR of scanned pages (a tqdm bar with
    ``progress``)."""
    if on_page is None and progress:
        from .ocr import progress_bar

        on_page = progress_bar()
    new_docs = [read_document(Path(f), settings.chunking, on_page=on_page) for f in files]  # raises before any write
    with write_lock(Path(settings.index_dir)):
        if (Path(settings.index_dir) / "manifest.json").exists():
            manifest, docs = _current_documents(settings)
            embedder = manifest.embedder
            if settings.embedder and settings.embedder != embedder:
                raise InputError(f"index was built with {embedder!r}, not {settings.embedder!r}")
        else:
            docs, embedder = [], settings.build_embedder
        by_id = {d.plan.id: d for d in docs}
        changes = []
        for doc in new_docs:
            old = by_id.get(doc.plan.id)
            twin = next((d for d in by_id.values() if d.plan.sha256 == doc.plan.sha256), None)
            if old is not None and old.plan.sha256 == doc.plan.sha256:
                changes.append(Change(doc.plan.id, "unchanged", len(old.chunks)))
                continue
            if twin is not None and twin.plan.id != doc.plan.id:
                raise InputError(f"{doc.plan.doc}: 与已有规划 {twin.plan.doc} 内容相同 / duplicate of plan {twin.plan.id!r}")
            changes.append(Change(doc.plan.id, "replaced" if old else "added", len(doc.chunks)))
            by_id[doc.plan.id] = doc
        if all(c.action == "unchanged" for c in changes):
            return changes
        encoder = encoder or load_encoder(embedder)
        write_documents(settings, list(by_id.values()), encoder, log, progress)
    return changes


def remove_plans(settings: Settings, plan_ids: list[str], log=print) -> list[Change]:
    """Drop plans from the index (their vectors are reused for everything that stays)."""
    with write_lock(Path(settings.index_dir)):
        manifest, docs = _current_documents(settings)
        keep = [d for d in docs if d.plan.id not in plan_ids]
        encoder = load_encoder(manifest.embedder)
        write_documents(settings, keep, encoder, log)
    return [Change(pid, "removed") for pid in plan_ids]

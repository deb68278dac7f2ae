"""Corpus folder → index folder. Embeddings of unchanged chunk text are reused from the old index."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .embed import Encoder, load_encoder
from .ingest import overrides, plan_files, read_document
from .search import tokenize
from .settings import Settings
from .store import FORMAT_VERSION, Manifest, save_index, write_lock


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
        vecs = index.reconstruct_n(0, index.ntotal)
    except (OSError, ValueError, KeyError, RuntimeError):
        return {}
    return dict(zip(keys, vecs)) if len(keys) == len(vecs) else {}


def build_index(settings: Settings, encoder: Encoder | None = None, log=print) -> dict:
    """Parse, chunk, embed and index every plan in the corpus folder; returns stage timings."""
    t0 = time.perf_counter()
    files = plan_files(settings.corpus_dir)
    extra = overrides(settings.corpus_dir)
    docs = [read_document(f, settings.chunking, extra.get(f.name) or extra.get(f.stem)) for f in files]
    ids = [d.plan.id for d in docs]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"两个文件的规划编号相同 / two files share a plan id: {sorted(dupes)}")
    chunks = [c for d in docs for c in d.chunks]
    t_parse = time.perf_counter()
    encoder = encoder or load_encoder(settings.build_embedder)
    titles = {d.plan.id: d.plan.title for d in docs}
    with write_lock(Path(settings.index_dir)):
        cache = _cached_vectors(Path(settings.index_dir), encoder.name)
        keys = [c.key for c in chunks]
        todo = [i for i, k in enumerate(keys) if k not in cache]
        log(f"{len(docs)} plans, {len(chunks)} chunks; embedding {len(todo)} (reusing {len(chunks) - len(todo)})")
        fresh = encoder.encode([chunks[i].search_text(titles[chunks[i].plan]) for i in todo]) if todo else []
        for i, v in zip(todo, fresh):
            cache[keys[i]] = v
        vectors = np.vstack([cache[k] for k in keys]) if keys else np.zeros((0, encoder.dim), np.float32)
        t_embed = time.perf_counter()
        tokens = [tokenize(c.search_text(titles[c.plan])) for c in chunks]
        manifest = Manifest(FORMAT_VERSION, encoder.name, encoder.dim, settings.chunking.as_dict(),
                            tuple(d.plan for d in docs))
        save_index(Path(settings.index_dir), manifest, {d.plan.id: d.text for d in docs}, chunks, vectors, tokens)
    t_end = time.perf_counter()
    return {"parse_chunk_s": t_parse - t0, "embed_s": t_embed - t_parse, "index_s": t_end - t_embed,
            "plans": len(docs), "chunks": len(chunks), "embedded": len(todo)}

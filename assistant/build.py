"""Writing indexes: build from a corpus folder, add or replace plan files, remove plans.

Every write goes through ``write_documents``: it embeds only chunk texts whose content key is not
already in the current index, then saves a complete new index folder and swaps it in.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embed import Encoder, load_encoder
from .ingest import Document, InputError, check_path, document_from_text, overrides, plan_files, read_document, with_id
from .meta import safe_id
from .search import tokenize
from .settings import Settings
from .store import FORMAT_VERSION, IndexProblem, Manifest, open_index, plan_texts, read_manifest, save_index, write_lock


@dataclass(frozen=True)
class Change:
    """What a write did to one plan, for the user's report."""

    plan: str
    action: str  # added | replaced | unchanged | removed
    chunks: int = 0
    doc: str = ""  # the file it came from
    note: str = ""  # what it replaced, or why its id differs from the file name


def _cached_vectors(index_dir: Path, embedder: str, log=print) -> dict[str, np.ndarray]:
    """Vectors of the existing index by chunk content key, when it was built by the same embedder and
    every file checks out (damaged vectors must not be carried into a new index)."""
    import faiss

    try:
        manifest, (chunks, index, *_rest) = open_index(index_dir)
    except IndexProblem as exc:
        if (Path(index_dir) / "manifest.json").exists():
            log(f"not reusing vectors of the current index: {exc}")
        return {}
    if manifest.embedder != embedder:
        return {}
    titles = {p.id: p.title for p in manifest.plans}
    keys = [c.key(titles.get(c.plan, "")) for c in chunks]
    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()
    vecs = index.reconstruct_n(0, index.ntotal)
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
    cache = _cached_vectors(index_dir, encoder.name, log)
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
    docs: list[Document] = []
    taken: set[str] = set()
    on_page = None
    if progress:
        from .ocr import progress_bar

        on_page = progress_bar()
    for folder in (settings.corpus_dir, *settings.extra_corpus):
        extra = overrides(folder)
        for f in plan_files(folder):
            pid = unique_id(f, taken)
            taken.add(pid)
            docs.append(read_document(f, settings.chunking, extra.get(f.name) or extra.get(f.stem), on_page,
                                      plan_id=pid))
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


def unique_id(path: Path, taken: set[str]) -> str:
    """The plan id of a file: its name made safe, unless another file already holds that id (x.txt and
    x.md, '乐山 规划.txt' and '乐山-规划.txt'); then the suffix, then a digest of the file name is added.
    Never the id of another file: a colliding file is added beside it, not over it."""
    path = Path(path)
    base = safe_id(path.stem)
    digest = hashlib.sha256(path.name.encode("utf-8")).hexdigest()[:6]
    suffix = safe_id(path.suffix.lstrip(".").lower())
    for candidate in (base, f"{base}-{suffix}" if suffix != "plan" else base, f"{base}-{digest}"):
        if candidate not in taken:
            return candidate
    n = 2
    while f"{base}-{digest}-{n}" in taken:
        n += 1
    return f"{base}-{digest}-{n}"


def _current_documents(settings: Settings) -> tuple[Manifest, list[Document]]:
    """The documents of the existing index, re-chunked from their stored (verified) texts: fast, no
    embedding, and a damaged text stops the write instead of being re-indexed with fresh checksums."""
    manifest = read_manifest(settings.index_dir)
    texts = plan_texts(settings.index_dir, manifest)
    return manifest, [document_from_text(plan, texts[plan.id], settings.chunking) for plan in manifest.plans]


def add_files(settings: Settings, files: list[Path], encoder: Encoder | None = None, log=print,
              progress: bool = False, on_page=None, replace_id: str | None = None,
              follow_symlinks: bool = False) -> list[Change]:
    """Add new plans, replace the plan read from the same file (or ``replace_id``), skip unchanged
    ones; nothing is written if any file is bad. A file whose name maps to a taken id gets its own id.

    ``on_page(file name, pages done, pages to recognise)`` follows OCR of scanned pages (a tqdm bar with
    ``progress``)."""
    if on_page is None and progress:
        from .ocr import progress_bar

        on_page = progress_bar()
    paths = list(dict.fromkeys(Path(f) for f in files))  # the same path twice is one file
    if replace_id is not None and len(paths) != 1:
        raise InputError("--replace 只能配一个文件 / --replace takes exactly one file")
    for path in paths:
        check_path(path, follow_symlinks)
    new_docs = [read_document(p, settings.chunking, on_page=on_page, follow_symlinks=follow_symlinks)
                for p in paths]  # raises before any write
    with write_lock(Path(settings.index_dir)):
        if (Path(settings.index_dir) / "manifest.json").exists():
            manifest, docs = _current_documents(settings)
            embedder = manifest.embedder
            if settings.embedder and settings.embedder != embedder:
                raise InputError(f"index was built with {embedder!r}, not {settings.embedder!r}")
        else:
            docs, embedder = [], settings.build_embedder
        by_id = {d.plan.id: d for d in docs}
        by_source = {d.plan.source: d.plan.id for d in docs if d.plan.source}
        if replace_id is not None and replace_id not in by_id:
            raise InputError(f"没有编号为 {replace_id!r} 的规划 / no plan {replace_id!r} to replace; known: {', '.join(by_id)}")
        changes = [_place(doc, by_id, by_source, replace_id, settings) for doc in new_docs]
        if all(c.action == "unchanged" for c in changes):
            return changes
        encoder = encoder or load_encoder(embedder)
        write_documents(settings, list(by_id.values()), encoder, log, progress)
    return changes


def _place(doc: Document, by_id: dict[str, Document], by_source: dict[str, str], replace_id: str | None,
           settings: Settings) -> Change:
    """Put one new document into ``by_id``: over its own earlier version, or beside everything else."""
    pid = replace_id or by_source.get(doc.plan.source)
    note = ""
    if pid is None:
        pid = unique_id(Path(doc.plan.doc), set(by_id))
        if pid != safe_id(Path(doc.plan.doc).stem):
            holder = by_id[safe_id(Path(doc.plan.doc).stem)].plan
            note = f"id {safe_id(Path(doc.plan.doc).stem)!r} is taken by {holder.source or holder.doc}"
    old = by_id.get(pid)
    if old is not None and old.plan.sha256 == doc.plan.sha256:
        return Change(pid, "unchanged", len(old.chunks), doc.plan.doc)
    twin = next((d for d in by_id.values() if d.plan.sha256 == doc.plan.sha256 and d.plan.id != pid), None)
    if twin is not None:
        raise InputError(f"{doc.plan.doc}: 与已有规划 {twin.plan.doc} 内容相同 / duplicate of plan {twin.plan.id!r}")
    doc = with_id(doc, pid, settings.chunking)
    if old is not None:
        note = f"replaces {old.plan.source or old.plan.doc}"
    by_id[pid] = doc
    return Change(pid, "replaced" if old else "added", len(doc.chunks), doc.plan.doc, note)


def remove_plans(settings: Settings, plan_ids: list[str], log=print, encoder: Encoder | None = None) -> list[Change]:
    """Drop plans from the index (their vectors are reused for everything that stays)."""
    with write_lock(Path(settings.index_dir)):
        manifest, docs = _current_documents(settings)
        unknown = [pid for pid in plan_ids if pid not in {d.plan.id for d in docs}]
        if unknown:
            raise InputError(f"没有这些规划 / no such plans: {', '.join(unknown)}")
        keep = [d for d in docs if d.plan.id not in plan_ids]
        write_documents(settings, keep, encoder or load_encoder(manifest.embedder), log)
    return [Change(pid, "removed") for pid in plan_ids]


CHILD_NICE = 10  # an upload yields the CPU to questions being answered meanwhile


def add_in_child(settings: Settings, path: Path, timeout_s: float = 1800) -> str:
    """``assistant add PATH`` in a separate, lower-priority, single-threaded process, so parsing and
    embedding a large upload neither holds the server's interpreter lock nor takes both cores from the
    questions it is answering. Returns the command's report; raises InputError with its message."""
    package_root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(
        [package_root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    cmd = [sys.executable, "-m", "assistant.cli", "add", "--index", str(settings.index_dir), str(path)]
    if settings.embedder:
        cmd += ["--embedder", settings.embedder]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env,
                              preexec_fn=lambda: os.nice(CHILD_NICE))
    except subprocess.TimeoutExpired:
        raise InputError(f"添加超时（{timeout_s:.0f} 秒）/ adding the plan timed out") from None
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        message = next((ln.removeprefix("Error: ") for ln in reversed(lines) if ln.startswith("Error: ")),
                       lines[-1] if lines else f"exit status {proc.returncode}")
        raise InputError(message)
    return proc.stdout.strip()

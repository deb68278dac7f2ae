"""The vector index chosen by size: exact below the threshold, IVF above it, both filterable by plan."""

from __future__ import annotations

import numpy as np

from assistant.store import NPROBE, search_params, vector_index


def unit_rows(n: int, d: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_small_corpora_get_an_exact_index():
    import faiss

    assert isinstance(vector_index(unit_rows(50, 16, 0), 16), faiss.IndexFlatIP)


def test_ivf_above_the_threshold_keeps_recall_and_honours_the_plan_filter():
    import faiss

    centres = unit_rows(40, 32, 1)  # text embeddings cluster by topic; uniform noise would be a worst case
    base = centres.repeat(100, axis=0) + 0.3 * unit_rows(4000, 32, 3)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries = base[:100] + 0.05 * unit_rows(100, 32, 2)
    ivf = vector_index(base, 32, ivf_min=1000)
    flat = vector_index(base, 32, ivf_min=10**9)
    assert isinstance(ivf, faiss.IndexIVF) and isinstance(flat, faiss.IndexFlatIP)
    _, exact = flat.search(queries, 10)
    _, approx = ivf.search(queries, 10, params=search_params(ivf, None))
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx)])
    print(f"IVF recall@10 with nprobe={NPROBE}: {recall:.3f}")
    assert recall >= 0.9
    allowed = np.arange(2000, 4000)
    _, rows = ivf.search(queries, 10, params=search_params(ivf, allowed))
    assert ((rows >= 2000) | (rows == -1)).all()
    ivf.make_direct_map()
    assert np.allclose(ivf.reconstruct(7), base[7])

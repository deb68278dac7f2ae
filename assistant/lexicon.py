"""Keyword statistics that do not change when another plan is added to the index.

Why: BM25's idf and the sentence weights of ``answer.query_weights`` depend on every document they were
computed over; over the whole index, adding a plan reorders a plan's own passages and can change which
sentence answers a question about it. So:

- BM25 runs over exactly the plans a question is scoped to (the whole-index BM25 stored at build time
  serves unscoped questions; a scope's own is built on first use from its chunks and kept);
- question words are weighted by a fixed reference table of document frequencies of health-plan
  vocabulary (``data/reference_df.json``), and a word counts only if a plan in scope uses it.

    python -m assistant.lexicon INDEX_DIR    rewrites data/reference_df.json from an index's terms.json
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .search import tokenize

MAX_SCOPES = 64  # scopes (sets of plans) whose statistics are kept in memory
REFERENCE = Path(__file__).parent / "data" / "reference_df.json"


@lru_cache(maxsize=1)
def reference() -> tuple[dict[str, int], int]:
    """Document frequencies of health-plan vocabulary over a fixed set of plans, and their number."""
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data["df"], int(data["docs"])


@dataclass(frozen=True)
class Lexicon:
    bm25: object  # bm25s.BM25 over ``rows``
    rows: np.ndarray  # index rows (into all chunks) of its documents, in order
    df: dict[str, int]  # documents containing each token
    docs: int

    @property
    def weights_df(self) -> tuple[dict[str, int], int]:
        """Reference frequencies of the tokens these documents use (1 for a word the reference lacks)."""
        ref, docs = reference()
        return {t: max(1, ref.get(t, 0)) for t in self.df}, docs


class ScopedLexicon:
    def __init__(self, search_texts: list[str], plan_of: list[str], bm25, df: dict[str, int], docs: int,
                 headings: dict[str, list[str]] | None = None):
        self._texts = search_texts
        self._plan_of = plan_of
        self._headings = headings or {}  # words a plan uses outside its chunks (its 目录), for presence only
        self._all = Lexicon(bm25, np.arange(len(search_texts), dtype=np.int64), df, docs)
        self._plans = frozenset(plan_of)
        self._tokens: dict[int, list[str]] = {}
        self.of = lru_cache(maxsize=MAX_SCOPES)(self._build)

    def __call__(self, plan_ids) -> Lexicon:
        """The statistics of the given plans (all plans when empty or when it names them all)."""
        key = frozenset(plan_ids or ()) & self._plans
        return self._all if not key or key == self._plans else self.of(key)

    def weights_df(self, plan_ids) -> tuple[dict[str, int], int]:
        """What question words are weighted by in this scope (see the module docstring)."""
        key = frozenset(plan_ids or ()) & self._plans
        return self._weights(key if key != self._plans else frozenset())

    @lru_cache(maxsize=MAX_SCOPES)  # noqa: B019 — one ScopedLexicon per loaded index, kept for its life
    def _weights(self, key: frozenset) -> tuple[dict[str, int], int]:
        df, docs = (self.of(key) if key else self._all).weights_df
        ref, _ = reference()
        for pid in sorted(key or self._plans):
            for title in self._headings.get(pid, ()):
                for t in tokenize(title):
                    df.setdefault(t, max(1, ref.get(t, 0)))
        return df, docs

    def _build(self, plans: frozenset) -> Lexicon:
        import bm25s

        rows = np.array([i for i, p in enumerate(self._plan_of) if p in plans], dtype=np.int64)
        token_lists = [self._tokens_of(int(r)) for r in rows]
        retriever = bm25s.BM25()
        retriever.index([t or [""] for t in token_lists] or [[""]], show_progress=False)
        df: dict[str, int] = {}
        for tokens in token_lists:
            for t in set(tokens):
                df[t] = df.get(t, 0) + 1
        return Lexicon(retriever, rows, df, len(token_lists))

    def _tokens_of(self, row: int) -> list[str]:
        if row not in self._tokens:
            self._tokens[row] = tokenize(self._texts[row])
        return self._tokens[row]


def write_reference(index_dir: str) -> None:
    terms = json.loads((Path(index_dir) / "terms.json").read_text(encoding="utf-8"))
    data = {"_why": "Fixed document frequencies of health-plan vocabulary (assistant/lexicon.py); written by "
                    f"python -m assistant.lexicon from an index of {terms['docs']} chunks",
            "docs": terms["docs"], "df": dict(sorted(terms["df"].items()))}
    REFERENCE.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_reference(sys.argv[1] if len(sys.argv) > 1 else "index/eval")

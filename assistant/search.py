"""Retrieval core: tokenising, plan scoping and rank fusion. Arrays in, hits out, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .meta import DOC_KINDS, Plan
from .text import normalise  # noqa: F401  (re-exported: the one normaliser)

RRF_K = 60
FUSION_WEIGHTS = (1.0, 0.5)  # BM25, dense: exact terms (indicator names, units) matter most in plans
_PUNCT = re.compile(r"^[\W_]+$")
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 等 要 吗 呢 啊 吧 么 什么 多少 哪些 哪个 哪 谁 怎么 怎样 如何 请问 请 我们 我 你 "
    "有 有没有 是否 这个 那个 一下 规划 里 中 对 把 被 由 为 到 从 年 the a an of in to for is are what which "
    "who how does do on by and or with plan".split()
)


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens without punctuation and stopwords (shared by index and query)."""
    import jieba

    jieba.setLogLevel(60)
    out = []
    for tok in jieba.lcut_for_search(normalise(text)):
        tok = tok.strip()
        if tok and not _PUNCT.match(tok) and tok not in STOPWORDS:
            out.append(tok)
    return out


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk: its row in the index, fused score and the ranks that produced it."""

    row: int
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None


def top_k(scores: np.ndarray, allowed: np.ndarray | None, k: int) -> list[int]:
    """Indices of the k best scores among allowed rows (ties keep index order)."""
    s = np.where(allowed, scores, -np.inf) if allowed is not None else scores
    k = min(k, int(np.isfinite(s).sum()))
    if k <= 0:
        return []
    idx = np.argpartition(-s, k - 1)[:k]
    return [int(i) for i in idx[np.lexsort((idx, -s[idx]))]]


def fuse(bm25_rows: list[int], dense_rows: list[int], k: int, weights=FUSION_WEIGHTS) -> list[Hit]:
    """Reciprocal rank fusion: robust to the two scorers' incomparable scales."""
    score: dict[int, float] = {}
    ranks: dict[int, list] = {}
    for which, rows in enumerate((bm25_rows, dense_rows)):
        for r, row in enumerate(rows):
            score[row] = score.get(row, 0.0) + weights[which] / (RRF_K + r + 1)
            ranks.setdefault(row, [None, None])[which] = r
    order = sorted(score, key=lambda row: (-score[row], row))[:k]
    return [Hit(row, score[row], ranks[row][0], ranks[row][1]) for row in order]


def plans_named(question: str, plans: list[Plan]) -> list[str]:
    """Plan ids a question names by jurisdiction or title; empty when it names none.

    Among plans of the named jurisdiction, a document kind the question mentions (意见, 规划 …)
    narrows further, so "健康张店意见" picks the opinions, not the plan.
    """
    q = normalise(question)
    matched = [p for p in plans if any(_mentions(q, normalise(n)) for n in p.short_names)]
    if not matched:
        matched = [p for p in plans if p.title and normalise(p.title) in q]
    return [p.id for p in by_kind(q, matched)]


def by_kind(question: str, matched: list[Plan]) -> list[Plan]:
    """Among one place's plans, a document kind the question mentions (意见, 规划 …) narrows further."""
    kinds = [k for k in DOC_KINDS if k in question]
    narrowed = [p for p in matched if any(k in p.title for k in kinds)] if len(matched) > 1 and kinds else []
    return narrowed or matched


def _mentions(q: str, name: str) -> bool:
    if name.isascii():
        return re.search(rf"\b{re.escape(name)}", q) is not None
    return name in q


def resolve_plans(names: list[str], plans: list[Plan]) -> list[str]:
    """Map user-given plan names (id, file name, title, jurisdiction) to ids; unknown names raise."""
    out = []
    for name in names:
        n = normalise(name.strip())
        found = [p.id for p in plans if n in (normalise(p.id), normalise(p.doc), normalise(p.title))]
        if not found:
            found = [p.id for p in plans if any(n == normalise(s) for s in p.short_names)]
        if not found:
            found = [p.id for p in plans if n and (n in normalise(p.title) or n in normalise(p.id))]
        if not found:
            known = "、".join(p.id for p in plans)
            raise LookupError(f"未找到规划 / unknown plan: {name!r}. 可选 / known plans: {known}")
        out.extend(f for f in found if f not in out)
    return out

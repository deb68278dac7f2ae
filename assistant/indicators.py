"""Which indicator records a question asks about (query time; extraction is in facts.py).

Users name indicators in their own words (护士 for 注册护士, 营收 for 营业收入): the synonym table
(data/indicator_words.tsv) is domain vocabulary. Records are matched by the longest run of characters they
share with the question, scored so that a distinctive word outweighs generic ones (健康, 服务, 每千人口).
"""

from __future__ import annotations

import re

from .facts import Target
from .text import key as _norm
from .vocab import table

SYNONYMS: tuple[tuple[str, str], ...] = tuple(tuple(ln.split("\t")[:2]) for ln in table("indicator_words.tsv"))
_GENERIC = frozenset(
    "健康 卫生 医疗 服务 建设 管理 水平 比例 机构 人口 全区 全市 全县 规划 目标 发展 达到 体系 能力 工作 人员 中心 "
    "医院 数量 提升 提高 以上 以下 多少 指标 要求 国家 省级 市级 区级 县级 每千 每万 每千人口 每万人口".split()
)
_SOURCE_RANK = {"table": 0, "box": 1, "prose": 2}


def longest_common(a: str, b: str) -> str:
    """The longest substring of b that also occurs in a."""
    best = ""
    for i in range(len(b)):
        for j in range(i + len(best) + 1, len(b) + 1):
            if b[i:j] in a:
                best = b[i:j]
            else:
                break
    return best


def _overlap(q: str, ind: str) -> int:
    """Greedy sum of common substrings (length ≥ 2), generic words alone counting nothing."""
    score = 0
    while True:
        best = longest_common(q, ind)
        if len(best) < 2:
            return score
        score += 0 if best in _GENERIC else len(best)
        q = q.replace(best, "|", 1)
        ind = ind.replace(best, "|", 1)


def _names_measure(q: str, ind: str) -> bool:
    """The question must name what is measured — the indicator's head noun at its end (…护士数, …比例)
    — not just share a hospital or place name with it."""
    tail = ind[-5:]
    return any(tail[i : i + n] in q and tail[i : i + n] not in _GENERIC
               for n in (4, 3, 2) for i in range(len(tail) - n + 1))


def indicator_scores(question: str, targets: list[Target]) -> list[tuple[int, Target]]:
    """(score, target) for every target whose indicator the question plausibly names, best first.

    The score is the length of the longest common substrings of the normalised question (plus
    synonyms) and the indicator, generic words counting nothing.
    """
    q = _norm(question)
    extra = [_norm(alias) for pat, alias in SYNONYMS if re.search(pat, q)]
    q = "|".join([q, *extra])
    scored = []
    memo: dict[str, int] = {}  # plans repeat indicator names: score each name once
    for n, t in enumerate(targets):
        if t.indicator not in memo:
            ind = _norm(t.indicator)
            memo[t.indicator] = score if (score := _overlap(q, ind)) >= 3 and _names_measure(q, ind) else 0
        if memo[t.indicator]:
            scored.append((-memo[t.indicator], _SOURCE_RANK.get(t.source, 3), n, t))
    return [(-s, t) for s, _, _, t in sorted(scored, key=lambda s: s[:3])]


class IndicatorIndex:
    """Character-bigram postings over the distinct indicator names, so a question is scored against
    a few hundred names instead of every target of every plan (many plans repeat the same names)."""

    LIMIT = 300

    def __init__(self, targets: list[Target]) -> None:
        self.targets = targets
        self._names: list[str] = []
        self._members: list[list[int]] = []
        self._grams: dict[str, list[int]] = {}
        seen: dict[str, int] = {}
        for i, t in enumerate(targets):
            name = _norm(t.indicator)
            if name not in seen:
                seen[name] = len(self._names)
                self._names.append(name)
                self._members.append([])
                for g in {name[j : j + 2] for j in range(len(name) - 1)}:
                    self._grams.setdefault(g, []).append(seen[name])
            self._members[seen[name]].append(i)

    def candidates(self, question: str, plans: set[str] | None = None) -> list[Target]:
        """Targets (of the given plans) whose names share the most bigrams with the question."""
        q = _norm(question)
        q = "|".join([q, *(_norm(alias) for pat, alias in SYNONYMS if re.search(pat, q))])
        shared: dict[int, int] = {}
        for g in {q[j : j + 2] for j in range(len(q) - 1)}:
            for n in self._grams.get(g, ()):
                shared[n] = shared.get(n, 0) + 1
        best = sorted(shared, key=lambda n: (-shared[n], n))[: self.LIMIT]
        rows = sorted(i for n in best for i in self._members[n])
        return [self.targets[i] for i in rows if plans is None or self.targets[i].plan in plans]


def match_indicator(question: str, targets: list[Target]) -> list[Target]:
    """Targets whose indicator the question names, best first; [] when none is plausible.

    Keeps those within 60% of the best score, so "全科医生" does not bring in 执业（助理）医师数.
    """
    scored = indicator_scores(question, targets)
    if not scored:
        return []
    best = scored[0][0]
    return [t for score, t in scored if score >= 0.6 * best]

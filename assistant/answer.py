"""Extractive answers: pick the sentences that answer, mark them [n], or abstain. No LLM.

A sentence is judged by how much of the question's weight (idf of its terms) it covers, counting the
section title it sits under, because a responsibility note rarely repeats the task's topic words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .verify import COUNTERS, HOW_MANY

ABSTAIN_TEXT = "未在所选规划中找到相关内容。"
ABSTAIN_TEXT_EN = "The selected plans do not say this (未在所选规划中找到相关内容)."
MIN_COVERAGE = 0.45  # share of question weight the best passage must cover to be an answer
MAX_SENTENCES = 3

TARGET_CUES = re.compile(r"多少|目标|达到|指标|比例|比重|[率数]|几|how (many|much)|target|rate|number|per ", re.I)
DUTY_CUES = re.compile(r"谁|牵头|负责|部门|单位|参与|配合|who|lead|responsib|department|agenc", re.I)
DUTY_TEXT = re.compile(r"牵头|责任单位|负责|参与部门|配合")
# Any role a sentence gives (负责人 is a person's title, not a duty; "X局…要制定" assigns a task): a
# "who is responsible" answer needs one.
ROLE_TEXT = re.compile(r"牵头|负责(?!人)|责任|配合|参与|协同|协作|协助|承担|分工|主任|组长|领导小组|"
                       r"(?:局|委|办|部门|单位|政府)要")
ASKS_FIGURE = re.compile(rf"多少|{HOW_MANY}|多大比例|百分之|how (many|much)|what (percentage|share|amount)", re.I)
_UNIT_ASK = re.compile(r"(?:多少|几)(亿元|万元|元|张|名|家|所|项|级|岁|天|辆|台|套|支)")  # not 个: any counter may answer it
_MONEY_ASK = re.compile(r"多少钱|(?:金额|投资|资金|经费|补助|补贴|奖励)(?:是|为|有|共)?多少|how much (money|funding)|"
                        r"\b(budget|investment|funding|amount)\b", re.I)


def asked_unit(question: str) -> str:
    """The unit an asked-for amount must carry (多少亿元 → 元, 多少张 → 张), or ''."""
    if _MONEY_ASK.search(question):
        return "元"
    m = _UNIT_ASK.search(question)
    return m.group(1)[-1] if m else ""


def gives_amount(text: str, unit: str) -> bool:
    """The text states a number in the asked unit (1500张, 10.3亿元, 3万元)."""
    return re.search(rf"(?:\d[\d.,，]*|[一二三四五六七八九十两百千]+)\s*[多余]?[万亿千百]?{unit}", text) is not None


FIGURE = re.compile(rf"\d|[一二三四五六七八九十两百千万]+[{COUNTERS}]|[一二三四五六七八九十]+分之")


@dataclass(frozen=True)
class Citation:
    """A cited passage: plan, section path and the exact plan text between start and end."""

    n: int
    doc: str
    plan: str
    title: str
    section: str
    quote: str
    start: int
    end: int
    chunk: str
    highlights: tuple[tuple[int, int], ...] = ()
    page: int = 0  # 1-based PDF page the quote starts on; 0 for other files
    ocr_confidence: float | None = None  # lowest recognition confidence of the quote's lines; None: not a scan


@dataclass(frozen=True)
class Answer:
    """What the assistant says, with its sources; ``abstained`` when the plans do not say it."""

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    nearby: tuple[Citation, ...] = ()
    plans: tuple[str, ...] = ()
    kind: str = "passage"
    timings: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    norm: str  # normalised text: query terms are looked up as substrings, immune to segmentation


@dataclass(frozen=True)
class Passage:
    """A ranked candidate: its sentences and the section words that frame them."""

    rank: int
    plan_title: str
    sentences: tuple[Sentence, ...]
    context: str  # normalised section path


def coverage(query: dict[str, float], text: str, context: str) -> float:
    """Share of query weight found in a text; section words count half."""
    total = sum(query.values()) or 1.0
    got = sum(w if t in text else (0.5 * w if t in context else 0.0) for t, w in query.items())
    return got / total


def query_weights(tokens: list[str], df: dict[str, int], docs: int) -> dict[str, float]:
    """idf weight per distinct query token.

    Terms no plan uses are dropped: they cannot tell passages apart, and users' own words
    (colloquial Chinese, English) would otherwise make every passage look irrelevant.
    """
    return {t: math.log(1 + (docs + 1) / (df[t] + 1)) for t in dict.fromkeys(tokens) if df.get(t)}


def is_english(question: str) -> bool:
    return not re.search(r"[\u4e00-\u9fff]", question)


def compose(question: str, query: dict[str, float], passages: list[Passage], duty: bool = False):
    """Choose answer sentences: [(passage rank, sentence)], or None when the plans do not say it.

    ``duty``: the question asks who is responsible, so sentences that give no role do not answer it.
    """
    if not query or not passages:
        return None
    wants_number = bool(TARGET_CUES.search(question))
    wants_duty = bool(DUTY_CUES.search(question))
    scored = []
    for p in passages:
        whole = "".join(s.norm for s in p.sentences)
        p_cov = coverage(query, whole, p.context)
        for s in p.sentences:
            cov = coverage(query, s.norm, p.context)
            bonus = 1.0
            if wants_number and re.search(r"\d", s.text):
                bonus += 0.15
            if wants_duty and DUTY_TEXT.search(s.text):
                bonus += 0.3
            scored.append((cov * bonus + 0.3 * p_cov - 0.02 * p.rank, cov, p_cov, p.rank, s))
    if not scored:
        return None
    scored.sort(key=lambda x: -x[0])
    best = scored[0]
    if max(x[2] for x in scored) < MIN_COVERAGE:
        return None
    seen: set[tuple[int, int]] = set()
    unique = []
    for x in scored:  # overlapping chunks repeat sentences: keep each plan sentence once
        if (x[4].start, x[4].end) not in seen:
            seen.add((x[4].start, x[4].end))
            unique.append(x)
    picked = [x for x in unique if x[0] >= best[0] * 0.8][:MAX_SENTENCES]
    if ASKS_FIGURE.search(question) and not any(FIGURE.search(x[4].text) for x in picked):
        return None  # asked for a figure, and the best sentences give none: the plans do not state it
    if duty and not any(ROLE_TEXT.search(x[4].text) for x in picked):
        return None  # asked who is responsible, and the best sentences name no role: the plans do not say
    unit = asked_unit(question)
    if unit and not any(gives_amount(x[4].text, unit) for x in picked):
        return None  # asked for an amount in 元 / 张 / 名 …, and no such amount is given
    picked.sort(key=lambda x: (x[3], x[4].start))
    return [(x[3], x[4]) for x in picked]

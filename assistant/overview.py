"""Overview answers for a broad topic ("养老", "中医药发展有哪些内容？", "Elderly care").

Such a question asks what the plans say about a topic, not for one figure or one sentence: the answer lists,
per plan in scope, the sections that discuss the topic (heading path and one cited plan sentence each), in
plan and document order, and names the plans that do not discuss it. A section is listed only when the topic
is written in its heading or in the sentence cited for it, never because it ranks high in search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import handlers, route
from .answer import ABSTAIN_TEXT, ABSTAIN_TEXT_EN, ASKS_FIGURE, Answer, Citation, asked_unit, is_english
from .chunking import Chunk, sentences
from .formatting import sources
from .glossary import chinese_terms
from .parse import SEP, TOC_WORDS
from .places import find_places
from .search import tokenize
from .text import flat
from .verify import COLLOQUIAL, asked_years, named_facilities, topic_terms, writes

MAX_SECTIONS = 5  # sections listed per plan; the rest are counted ("另有 N 节")
MAX_BARE_CHARS = 8  # a question this short with no asking words is a topic by itself ("婴幼儿照护")
MAX_BARE_WORDS = 4  # likewise in English ("Elderly care")
GENERIC_SHARE = 0.2  # a topic word written in this share of the plans' passages (发展, 服务) names no topic

# wordings that ask what the plans say about a topic, not for one fact
OVERVIEW_Q = re.compile(
    r"(?:有|包括|包含|涉及|提出|部署|安排)了?(?:哪些|什么|些什么)(?:内容|方面|举措|措施|部署|安排)|"
    r"主要内容|相关内容|(?:讲|说|写|提|谈|规定|部署)了?(?:些|到)?(?:什么|哪些)|怎么(?:说|写|讲|部署|安排)的?|"
    r"^关于|关于.{1,12}的?(?:内容|表述|部署|规定)|方面|"
    r"\bwhat (?:do|does) [\w\s'’-]{0,40}?(?:plans?|opinions?) (?:say|state|contain|write) (?:about|on)\b|"
    r"\btell me about\b|"
    r"\boverview of\b|\bwhat is (?:said|written) about\b", re.I)
# words that ask for something other than the topic's content (a yes/no, a reason, a way, a figure)
NOT_OVERVIEW_Q = re.compile(r"吗|是否|有没有|能否|为什么|为何|如何|怎样|多少|几[个家所张人名项级年]|谁|哪[个家所一年天]|"
                            r"\b(?:how|why|when|who|which|whether|is|are|does|do|did|can)\b", re.I)
_ASKING = re.compile(r"[？?！!。，,；;：:\s]+")
# what is removed from an overview question to leave its topic
_STRIP = re.compile(r"(?:有|包括|包含|涉及|提出|部署|安排)了?(?:哪些|什么|些什么)(?:内容|方面|举措|措施|部署|安排)|"
                    r"(?:讲|说|写|提|谈|规定|部署)了?(?:些|到)?(?:什么|哪些)|怎么(?:说|写|讲|部署|安排)的?|"
                    r"(?:主要|相关)?(?:内容|表述|方面)|关于|有关|相关|(?:规划|意见|方案|计划|文件|纲要)(?:里|当中)?的?|"
                    r"十[一二三四五六]五|请问|请|介绍|一下|概括|总结|的(?=\s|$)|[？?！!。，,；;：:、“”\"'（）()]", re.I)
_EXTRA_POS = ("t", "a", "an")  # jieba tags a broad topic with: 老年 (time word), 健康 (adjective)


def is_overview(question: str) -> bool:
    """A broad-topic question: it asks for no figure, year, department, date or location and either uses
    an overview wording (有哪些内容, 讲了什么, 关于X, X方面) or is a bare topic of a few words."""
    q = question.strip()
    if not (OVERVIEW_Q.search(q) or _bare_topic(q)):
        return False  # most questions: the cheap test first
    if handlers.classify(q) != "passage" or route.LOCATE_Q.search(q) or route.MULTI_Q.search(q):
        return False
    if asked_years(q) or ASKS_FIGURE.search(q) or asked_unit(q) or NOT_OVERVIEW_Q.search(OVERVIEW_Q.sub(" ", q)):
        return False
    return not (re.search(r"\d", q) or named_facilities(q))


def _bare_topic(q: str) -> bool:
    """A few Chinese characters besides place names ("福山区养老"), or a few English words with plan terms."""
    bare = _ASKING.sub("", q)
    for p in reversed(find_places(bare)):
        bare = bare[: p.start] + bare[p.end:]
    if re.fullmatch(r"[\u4e00-\u9fff]{2,}", bare):
        return len(bare) <= MAX_BARE_CHARS
    words = re.findall(r"[A-Za-z]+", q)
    return bool(re.fullmatch(r"[A-Za-z\s'-]+[?.]?", q)) and 0 < len(words) <= MAX_BARE_WORDS and bool(chinese_terms(q))


def topic_of(question: str) -> str:
    """The topic itself: the question without its overview wording, plan words and punctuation."""
    return re.sub(r"\s+", " ", _STRIP.sub(" ", question)).strip()


def topic_words(topic: str) -> list[str]:
    """Words a section must write to discuss the topic: the verified topic terms, plus the time words and
    adjectives jieba tags a broad topic with (老年, 健康), which topic_terms leaves out."""
    import jieba.posseg

    words = topic_terms(topic, route.DUTY_WORDS, verbs=True)
    for w in jieba.posseg.lcut(topic):
        if (w.flag in _EXTRA_POS and re.fullmatch(r"[\u4e00-\u9fff]{2,}", w.word) and w.word not in COLLOQUIAL
                and not find_places(w.word) and not any(w.word in t or t in w.word for t in words)):
            words.append(w.word)
    return words


@dataclass(frozen=True)
class Found:
    """One section that discusses the topic: its heading path, the sentence cited for it and its chunk."""

    plan: str
    section: tuple[str, ...]
    chunk: Chunk
    sentence: str
    start: int
    end: int
    in_heading: bool
    mentions: int  # sentences of the section that write the topic


Topic = tuple[tuple[str, ...], ...]  # ways of writing the topic; a text names it when it writes every word of one


def topic_in(q: str, query: str) -> Topic:
    """The topic's words from the place-free question: for a Chinese question one set of words, all of
    which a section must write; for an English one each plan term the glossary gives (精神卫生, 心理健康)."""
    if is_english(q):  # not the terms of the asking words (plan → 规划, target → 目标)
        terms = [t for t in chinese_terms(query).split() if len(t) >= 2 and t not in COLLOQUIAL
                 and t not in route.DUTY_WORDS]
        return tuple((t,) for t in dict.fromkeys(terms))
    topic = topic_of(query)  # the unglued question: "规划中医药" keeps its 中医药, "规划中关于" lost its 中
    words = topic_words(topic) or [t for t in tokenize(topic) if re.fullmatch(r"[\u4e00-\u9fff]{2,}", t)
                                   and t not in COLLOQUIAL and t not in route.DUTY_WORDS]
    return (tuple(words),) if words else ()


def distinctive(topic: Topic, chunks: list[Chunk]) -> Topic:
    """Each way of writing the topic without the words that name no topic: those written in GENERIC_SHARE
    or more of the passages in scope (发展, 服务 are written everywhere); all of them when every one is."""
    if not chunks:
        return topic
    texts = [flat(c.text) for c in chunks]
    out = []
    for words in topic:
        rare = tuple(w for w in words if sum(1 for t in texts if writes(w, t)) < GENERIC_SHARE * len(texts))
        out.append(rare or words)
    return tuple(dict.fromkeys(out))


def names(topic: Topic, text: str) -> bool:
    """The text writes the topic: every word of one of its ways of writing it."""
    t = flat(text)
    return any(all(writes(w, t) for w in words) for words in topic)


def _is_heading(text: str, section: tuple[str, ...]) -> bool:
    s = flat(text).rstrip("。")
    return any(s == flat(h) for h in section)


def sections_about(topic: Topic, chunks: list[Chunk]) -> list[Found]:
    """Sections of one plan (its chunks, in document order) that discuss the topic: the shallowest heading
    whose path writes the topic (with a topic word in that heading itself; its sentences then count as one
    section), else each section with a sentence that writes the topic. The cited sentence writes the topic
    whenever one of the section's sentences does."""
    found: dict[tuple[str, ...], Found] = {}
    for c in sorted(chunks, key=lambda c: c.start):
        if not c.section or any(w in c.section[0] for w in TOC_WORDS):
            continue
        depth = next((d for d in range(1, len(c.section) + 1) if names(topic, SEP.join(c.section[:d]))
                      and any(writes(w, flat(c.section[d - 1])) for words in topic for w in words)), 0)
        key = c.section[:depth] if depth else c.section
        body = [(s, a, b) for s, a, b in sentences(c) if not _is_heading(s, c.section)]
        hits = [(s, a, b) for s, a, b in body if names(topic, s)]
        if not hits and not (depth and body):
            continue
        old = found.get(key)
        if old is None or (not old.mentions and hits):  # a heading's section cites a sentence naming the topic
            s, a, b = (hits or body)[0]
            found[key] = Found(c.plan, key, c, s, a, b, bool(depth), len(hits))
        else:
            found[key] = replace(old, mentions=old.mentions + len(hits))
    return list(found.values())


def shown(found: list[Found]) -> tuple[list[Found], int]:
    """The sections listed for one plan (at most MAX_SECTIONS: headings that name the topic first, then
    those that write it most), in document order, and how many more there are."""
    ranked = sorted(found, key=lambda f: (not f.in_heading, -f.mentions, f.chunk.start))
    keep = sorted(ranked[:MAX_SECTIONS], key=lambda f: f.chunk.start)
    return keep, len(found) - len(keep)


def answer(assistant, q: str, query: str, plan_ids: list[str], hits) -> Answer:
    """The overview answer, or the usual abstention with the closest passages when no plan in scope
    discusses the topic. ``assistant`` is the loaded ``core.Assistant`` (its chunks per plan, citations and
    place-free question); ``hits`` its ranked passages, shown only when abstaining."""
    english = is_english(q)
    scoped = list(plan_ids) or [p.id for p in assistant.plans]
    pool = [c for pid in scoped for c in assistant._by_plan.get(pid, ())]
    topic = distinctive(topic_in(q, assistant._place_free(query, plan_ids)), pool)
    per_plan = {pid: sections_about(topic, assistant._by_plan.get(pid, ())) if topic else [] for pid in scoped}
    title = {p.id: p.title for p in assistant.plans}
    said = "”或“".join("、".join(words) for words in topic) or topic_of(q)
    if not any(per_plan.values()):
        nearby = tuple(assistant.citation(i + 1, assistant.chunks[h.row]) for i, h in enumerate(hits))
        text = (ABSTAIN_TEXT_EN if english else ABSTAIN_TEXT) + f"\n规划中未找到关于“{said}”的章节或表述。"
        return Answer(q, text, True, (), nearby, tuple(plan_ids), "overview")
    lines = [f"What the plans say about “{said}” ({q.strip()}), plan by plan, in document order:" if english
             else f"规划中关于“{said}”的内容（按规划、原文顺序）："]
    citations: list[Citation] = []
    for pid in scoped:
        keep, more = shown(per_plan[pid])
        if not keep:
            continue
        lines.append(f"《{title[pid]}》")
        for f in keep:
            citations.append(assistant.citation(len(citations) + 1, f.chunk, ((f.start, f.end),)))
            lines.append(f"- {SEP.join(f.section)}：{f.sentence}[{len(citations)}]")
        if more:
            lines.append(f"另有 {more} 节 (and {more} more sections)." if english else f"另有 {more} 节。")
    absent = [pid for pid in scoped if not per_plan[pid]]  # only with several plans: one would have abstained
    if absent:
        lines.append("未涉及：" + "、".join(f"《{title[pid]}》" for pid in absent))
    return Answer(q, "\n".join(lines) + sources(citations, english), False, tuple(citations), (),
                  tuple(plan_ids), "overview")


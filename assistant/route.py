"""Question routing over structured facts: targets, responsibilities, a unit's tasks, comparisons.

Each function returns lines of answer text with the spans they cite, or None to fall back to passage
search. They are pure over the fact lists; ``core.Assistant`` turns spans into citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chunking import Chunk
from .facts import Duty, Target
from .formatting import NO_VALUE, duty_line, target_line, unstated_line
from .indicators import indicator_scores, longest_common, match_indicator
from .text import flat as _flat
from .units import normalise_unit, unit_level, unit_matches
from .verify import (
    COLLOQUIAL,
    COUNTERS,
    HOW_MANY,
    asked_measures,
    asked_years,
    modifier_conflict,
    names_measure,
    states_measure,
)

TARGET_Q = re.compile(rf"多少|目标|达到|指标|要求|控制在|降[到至低]|提高到|{HOW_MANY}|多高|多大|"
                      r"how (many|much|high)|target|goal|aim|rate|ratio|number of|per ", re.I)
DUTY_Q = re.compile(r"谁|哪个部门|哪些部门|哪些单位|什么部门|牵头|负责|责任单位|参与|配合|协同|协作|分工|(局|委|办|部门|单位)管|"
                    r"\bwho\b|which (department|unit|agenc|bureau|office)|\bleads?\b|responsib|in charge|"
                    r"takes? part|involved", re.I)
NOT_DUTY_Q = re.compile(r"哪[两三几]?(家|所|个)(医院|机构|卫生院|单位牵头成立)|哪些医院|哪家医院|合资")
UNIT_TASKS_Q = re.compile(r"(参与|牵头|负责|承担)(了)?(哪些|什么|几项)|哪(些|几|一?项)(任务|工作|事项)|"
                          r"what (tasks|work)|which tasks", re.I)
COMPARE_Q = re.compile(r"各地|各区|分别|对比|比较|相比|哪个(区|市|县|规划)更|两个?规划|几个规划|"
                       r"compare|comparison|each (plan|district|city)|both plans|across", re.I)


_WHICH_PART = r"哪[一两几]?(章|节|部分|条|项|篇|段|个?专栏)|哪个(专栏|章节|部分|任务|条目|标题|小节)"
LOCATE_Q = re.compile(rf"{_WHICH_PART}|在哪(里|儿)?(讲|提|说|写|规定|部署)|(出现|列|写|放)在(?:{_WHICH_PART}|哪(?:里|儿)?)|"
                      r"which (section|chapter|part|task|heading|box|item)|where in", re.I)


@dataclass(frozen=True)
class Span:
    """A passage to cite: plan, raw offsets, and the offsets of the answering part inside it."""

    plan: str
    start: int
    end: int
    mark: tuple[int, int]
    section: tuple[str, ...] = ()  # where the span is, when it is outside every chunk (a 目录 line)


META_Q = re.compile(r"文号|(?<!老)字号|发文机关|印发(日期|时间)|发布(日期|时间)|"
                    r"(哪天|哪一天|何时|什么时候|哪一?年|几月几[日号]).{0,12}(印发|发布|出台|发文)|"
                    r"(印发|发布|出台)于?(哪天|何时|什么时候)|document number|when (was|were) .*(issued|published)|"
                    r"issuing (body|authority|date)|who issued", re.I)


def spread(ranked: list, plans: list[str], k: int) -> list:
    """The k best hits taken round-robin across plans, so a comparison sees every plan it names."""
    queues: dict[str, list] = {}
    for hit, plan in zip(ranked, plans):
        queues.setdefault(plan, []).append(hit)
    out: list = []
    while len(out) < k and any(queues.values()):
        for plan in list(queues):
            if queues[plan] and len(out) < k:
                out.append(queues[plan].pop(0))
    return out


# "规划中普惠托育…", "意见里区妇保院…": the segmenter glues 中/里 onto the next word (中普, 里区)
_DOC_GLUE = re.compile(r"(规划|意见|方案|计划|文件|通知|报告|表|专栏)(?:里|中(?![心医药]))(?:讲|说|写|提到|提出)?"
                       r"(?=[\u4e00-\u9fff])")


def unglue(question: str) -> str:
    """The question with a space after "规划中/意见里…", so the next word is segmented whole."""
    return _DOC_GLUE.sub(r"\1 ", question)


MULTI_Q = re.compile(r"分别|[？?].+[？?]|[，,；;].*(多少|几)|\band\b.*\b(what|how)\b|以及", re.I)


_FILLER = re.compile(r"“?十[一二三四五六]五”?|征求意见稿?|卫生与?健康(?:事业)?(?:发展)?|实施方案|指标表|主要指标|"
                     rf"请问|您好|多少|几[{COUNTERS}]?|什么|是否|有没有|要求|需要|达到|提高到|降到|降至|控制在|"
                     r"目标|规划|计划|里面?|中的?|的|了|吗|呢|啊|现在|目前|具体|分别|各地|年|底|前|到|要|是|有|和|与|及|"
                     r"不少于|不低于|不超过|以上|以下|左右|力争|[\W\d_a-zA-Z]")


def topic_chars(question: str) -> str:
    """What a question is about once question words, figures and filler are removed."""
    return _FILLER.sub("", question)


def pick_targets(question: str, targets: list[Target]) -> list[Target]:
    """The records of the best-matching indicator (two indicators when the question asks two
    things), table records first; [] if no indicator fits or it covers too little of the topic
    ("妇幼保健院实有床位数" is not "每千人口医疗卫生机构床位数")."""
    fits = {id(t) for t in targets if not modifier_conflict(question, t.indicator) and names_measure(question, t.indicator)}
    scored = [(s, t) for s, t in indicator_scores(question, targets) if id(t) in fits]
    topic = topic_chars(question)
    if not scored or (len(topic) >= 6 and scored[0][0] < 0.4 * len(topic)):
        return []
    ranked = [t for t in match_indicator(question, targets) if id(t) in fits]
    if not ranked:
        return []
    keys = [_key(ranked[0].indicator)]
    if MULTI_Q.search(question):
        second = next((t for score, t in scored if _key(t.indicator) not in keys and score >= 0.8 * scored[0][0]), None)
        if second is not None:
            keys.append(_key(second.indicator))
    same = [t for t in ranked if _key(t.indicator) in keys]
    same.sort(key=lambda t: (t.plan, keys.index(_key(t.indicator)), t.past, t.source != "table", t.start))
    return same


def near_miss(question: str, targets: list[Target]) -> tuple[str, Target] | None:
    """The best indicator the question seems to name but contradicts (专科 asked, 全科 indexed)."""
    for _, t in indicator_scores(question, targets)[:5]:
        word = modifier_conflict(question, t.indicator)
        if word:
            return word, t
    return None


def _key(indicator: str) -> str:
    return re.sub(r"[\s（）()]", "", indicator)


# the level written before a unit the question names (区卫健局, 市医保局, 旗教育体育局)
_ASKED_LEVEL = re.compile(r"(?:(?<![\u4e00-\u9fff])|(?<=[由是让请问和与及、，,的]))([省市区县旗州盟])"
                          r"(?=[\u4e00-\u9fff]{1,8}?(?:局|委|办|部|中心))")


def listed_unit(question: str, duties: list[Duty]) -> str | None:
    """A unit the question names as the plans list it (abbreviations folded: 区卫健局 ↔ 区卫生健康局)."""
    q = re.sub(r"\s", "", question)
    level = _ASKED_LEVEL.search(q)  # "区卫健局…": a district bureau, never 市卫生健康委
    units = sorted({u for d in duties for u in (*d.lead, *d.participants, *d.responsible)
                    if not level or unit_level(u) in ("", level.group(1))}, key=lambda u: (-len(u), u))
    named = next((u for u in units if normalise_unit(u) and normalise_unit(u) in normalise_unit(q)), None)
    if named is None:
        for token in re.findall(r"[\u4e00-\u9fff]{2,12}?(?:局|委|办|部|院|中心|分局|政府)", q):
            named = next((u for u in units if unit_matches(token, u)), None)
            if named:
                break
    return named


def asked_role(question: str) -> str:
    """"牵头" when a question asks only which tasks a unit leads; "" otherwise ("参与了哪些任务" is read as
    every task it is listed on, each with its role, so a task it leads is not left out)."""
    lead, part = bool(re.search(r"牵头|\blead", question, re.I)), bool(re.search(r"参与|配合|协同|协作", question))
    return "牵头" if lead and not part else ""


def duties_of_unit(question: str, duties: list[Duty]) -> tuple[str, list[tuple[Duty, str]]] | None:
    """Every task a unit named in the question leads, takes part in, or is responsible for."""
    named = listed_unit(question, duties)
    if named is None:
        return None
    found = []
    for d in duties:
        role = ("牵头" if any(unit_matches(named, u) for u in d.lead) else
                "参与" if any(unit_matches(named, u) for u in d.participants) else
                "责任单位" if any(unit_matches(named, u) for u in d.responsible) else "")
        if role:
            found.append((d, role))
    return (named, found) if found else None


@dataclass(frozen=True)
class Reply:
    """A structured answer: lines (each ending in its own [n] markers) and the spans they cite."""

    kind: str
    lines: tuple[str, ...]
    spans: tuple[Span, ...]
    abstained: bool = False  # the plans were checked and do not state it; lines say what they do state


def target_span(t: Target) -> Span:
    """A table row is quoted from its table's caption, so the years in the header are in the quote."""
    start = t.table_start if t.source == "table" and t.table_start and t.start - t.table_start < 4000 else t.start
    return Span(t.plan, start, t.end, (t.start, t.end))


BASELINE_Q = re.compile(r"20(1\d|20)年|基期|基数|现状|目前|现在|baseline|in 20(1\d|20)", re.I)
FUTURE_Q = re.compile(r"20(2[1-9]|3\d)|目标|要达到|要到|力争|target|goal", re.I)


def _for_period(query: str, targets: list[Target]) -> tuple[list[Target], list[Target]]:
    """The records a question may be answered from, and those it may not (review-table records for a
    question about the plan's own targets, the plan's own records for one about an earlier plan).

    A review table (an earlier plan's targets and what was achieved) answers only a question about that
    earlier period (十三五, 原定, 实际完成, or a year only the review table has). A question about the
    earlier period alone ("十三五原定的2020年目标") is answered from the review table alone.
    """
    past = [t for t in targets if t.past]
    if not past:
        return targets, []
    current = [t for t in targets if not t.past]
    years = {str(y) for y in asked_years(query)}
    past_years = {t.target_year[:4] for t in past} - {t.target_year[:4] for t in current}
    words = bool(PAST_Q.search(query))
    if not (words or years & past_years):
        return current, past
    if words and not years - past_years:
        return past, current
    return targets, []


PAST_Q = re.compile(r"十[一二三]五|原定|当初|回顾|实际|完成|achiev|actual|review|previous plan|13th", re.I)


def answer_targets(query: str, kind: str, targets: list[Target], plan_order: list[str],
                   titles: dict[str, str], named: bool, sentence_of=None,
                   texts: dict[str, str] | None = None) -> Reply | None:
    """Target (one plan) or comparison (several plans) answers from target records.

    Table records are stated field by field; prose and 专栏 records are quoted as the plan's own
    sentence (``sentence_of(target) -> (text, start, end)``), which keeps their qualifiers.
    """
    targets, other = _for_period(query, targets)
    recs = pick_targets(query, targets)
    if not recs and (elsewhere := pick_targets(query, other)):
        t = elsewhere[0]
        if t.past:
            line = (f"《{titles[t.plan]}》本期指标未列“{t.indicator}”；该指标只见于回顾表（以往规划的目标与完成情况，"
                    f"不是本期目标）：{target_line(t)}[1]")
        else:
            line = f"《{titles[t.plan]}》的回顾表未列“{t.indicator}”；本期指标为（不是所问时期）：{target_line(t)}[1]"
        return Reply("target", (line,), (target_span(t),), abstained=True)
    if not recs:
        miss = near_miss(query, targets)
        if miss is None or (texts is not None and any(miss[0] in texts[p] for p in plan_order if p in texts)):
            return None  # no near miss, or the asked words occur in the plans: let passage search look
        word, t = miss
        line = f"规划未提及“{word}”相关指标；最接近的指标（不是所问指标）：《{titles[t.plan]}》{target_line(t)}[1]"
        return Reply("target", (line,), (target_span(t),), abstained=True)
    table = [t for t in recs if t.source == "table"]
    if named and table and BASELINE_Q.search(query) and not FUTURE_Q.search(query.replace("2020", "")):
        if all(t.baseline.strip() in NO_VALUE for t in table):
            t = table[0]
            line = f"指标表中“{t.indicator}”的{t.baseline_year or '基期'}值为“{t.baseline or '空'}”，规划未给出该数值。[1]"
            return Reply("target", (line,), (target_span(t),), abstained=True)
    plans = [p for p in plan_order if any(t.plan == p for t in recs)]
    spans: list[Span] = []
    lines: list[str] = []

    def say(t: Target, head: str = "", note: str = "") -> None:
        if t.source == "table" or sentence_of is None:
            span, words = target_span(t), target_line(t)
        else:
            words, a, b = sentence_of(t)
            span = Span(t.plan, a, b, (t.start, t.end))
        if any(x.plan == span.plan and x.start <= span.start and span.end <= x.end for x in spans):
            return  # the same sentence already answers
        spans.append(span)
        lines.append(f"{head}{words}{note}[{len(spans)}]")

    if kind == "compare" or (not named and len(plans) > 1):
        for p in plans:
            for key in dict.fromkeys(_key(t.indicator) for t in recs if t.plan == p):
                say(next(t for t in recs if t.plan == p and _key(t.indicator) == key), f"《{titles[p]}》：")
        return _with_unstated(Reply("compare", tuple(lines), tuple(spans)), query, targets)
    for p in plans:
        head = f"《{titles[p]}》" if len(plans) > 1 else ""
        for key in dict.fromkeys(_key(t.indicator) for t in recs if t.plan == p):
            mine = [t for t in recs if t.plan == p and _key(t.indicator) == key]
            mine.sort(key=lambda t: t.target_year, reverse=True)  # the plan's own targets before a review table's
            table = [t for t in mine if t.source == "table"]
            prose = [t for t in mine if t.source != "table"]
            for t in table[:2]:
                say(t, head)
            values = {re.sub(r"\s", "", t.value) for t in table}
            for t in prose[:2]:
                v = re.sub(r"\s", "", t.value)
                if table and any(v.startswith(x) or x in v for x in values):
                    continue
                say(t, head, "（与指标表表述不同）" if table else "")
    return _with_unstated(Reply("target", tuple(lines), tuple(spans)), query, targets) if lines else None


PART_SPLIT = re.compile(r"以及|和|与|及|、")
MIN_PART_CHARS = 3  # a part shorter than this once filler is gone is a modifier ("高血压、糖尿病…"), not a subject
# what an indicator name ends in: a part that does not is context ("指标表里"), not a second subject
MEASURE_END = re.compile(r"(数|率|比|比例|比重|占比|寿命|水平|等级|评级|级别|床位|人员|医生|医师|护士|药师|托位|名额|时间|面积|半径|人次)$")


def parts_of(question: str) -> list[str]:
    """The measured subjects of "A和B分别是多少" (each named like an indicator); [] for one subject."""
    if not (MULTI_Q.search(question) or PART_SPLIT.search(question)):  # "A和B是多少" asks two things too
        return []
    parts = [topic_chars(p) for p in PART_SPLIT.split(question)]
    parts = [p for p in parts if len(p) >= MIN_PART_CHARS and MEASURE_END.search(p)]
    return parts if len(parts) >= 2 else []


def _with_unstated(reply: Reply, question: str, targets: list[Target]) -> Reply:
    """A multi-part question is answered only when every part is: a part that no record states and that
    the answer's own lines do not name is said to be not stated, and the whole answer counts as an
    abstention (its stated parts still shown)."""
    said = _flat("".join(reply.lines))
    unstated = [p for p in parts_of(question)
                if not pick_targets(p, targets) and not (len(_flat(p)) >= 4 and _flat(p) in said)
                and not (asked_measures(p) and any(states_measure(p, line) for line in reply.lines))]
    if not unstated:
        return reply
    return Reply(reply.kind, (unstated_line(unstated), *reply.lines), reply.spans, abstained=True)


def note_span(d: Duty, containers: dict[str, list[Chunk]]) -> Span:
    """Quote the note with the text just before it (usually the chunk it sits in)."""
    around = [p for p in containers.get(d.plan, ()) if p.start <= d.start and d.end <= p.end]
    if around:
        best = min(around, key=lambda p: p.end - p.start)
        return Span(d.plan, best.start, best.end, (d.start, d.end))
    return Span(d.plan, d.start, d.end, (d.start, d.end))


DUTY_WORDS = frozenset("谁 牵头 负责 部门 单位 参与 配合 哪些 哪个 什么 工作 任务 责任 责任单位 主要 主责 协同 协助 "
                       "协作 分工 承担 落实 规划 方面 有关 相关 牵头部门 参与部门 配合部门 责任部门 牵头单位 参与单位 "
                       "配合单位 协同单位 协作单位 主要责任单位 who lead leads responsible department".split())
PLAN_PERIOD = re.compile(r"“?十[一二三四五六]五”?")  # names the plan every task is in, never one task's topic
MIN_DUTY_COVER = 0.7  # share of the topic's weight the task's title and paragraph must contain


MAX_DUTY_TASKS = 3  # tasks listed when several name the question's topic equally well


def answer_duty(topic_weights: dict[str, float], duties: list[Duty], titles: dict[str, str],
                containers: dict[str, list[Chunk]], texts: dict[str, str], asked_unit: str = "",
                topic: str = "", titled: bool = False) -> Reply | None:
    """The complete lead/participant lists of the task(s) that cover the question's topic.

    A note is quoted only when its task's title path and paragraph contain most of the topic's weight
    (not merely because its chunk ranked first). Among covering tasks, those whose heading or paragraph
    share the longest run with the question's topic win ("急救体系": 加强急救体系建设, not 应急救援), after
    those whose own title holds most of the topic (引育高层次人才, not a paragraph that mentions it); a task
    whose own title names the whole topic answers it, and when only task paragraphs name it, each such
    task is listed (the plan splits the topic over several tasks). A unit
    the question names must be listed on them, else the answer says the tasks do not list that unit.
    ``titled``: only tasks whose own title holds the topic ("区医保局在‘加强职业健康保护’中负责什么").
    """
    topic = _flat(topic)
    for word in sorted(DUTY_WORDS | COLLOQUIAL, key=len, reverse=True):  # "参与部门有哪些" is no part of the topic
        if len(word) >= 2:
            topic = topic.replace(word, " ")
    weights = {t: w for t, w in topic_weights.items() if t not in DUTY_WORDS and t not in COLLOQUIAL}
    total = sum(weights.values())
    if not total:
        return None
    ranked = []
    for n, d in enumerate(duties):
        span = note_span(d, containers)
        title = _flat(" ".join(d.section[-2:]) + d.task)
        where = _flat(" ".join(d.section)) + _flat(texts[d.plan][task_start(d, containers, span):span.end])
        cover = sum(w for t, w in weights.items() if _flat(t) in where) / total
        if cover < MIN_DUTY_COVER:
            continue
        in_title = sum(w for t, w in weights.items() if _flat(t) in title) / total
        if titled and in_title < MIN_DUTY_COVER:
            continue
        shared = longest_common(topic, title + where)
        own = _flat(texts[d.plan][d.start:d.end])  # two duties of one task: the one whose own words say the topic
        in_own = sum(w for t, w in weights.items() if _flat(t) in own) / total
        ranked.append(((in_title >= MIN_DUTY_COVER, len(shared), in_title, cover, in_own, -n), d, span, shared))
    if not ranked:
        return None
    ranked.sort(key=lambda r: r[0], reverse=True)
    best = ranked[0][0][:2]  # (title holds the topic, longest shared run)
    whole = all(_flat(t) in ranked[0][3] for t in weights)  # the topic, as asked, is written out in the task
    chosen = ranked[:1]
    if whole:  # a task titled with the topic answers it; else every task whose text names it whole
        named = [r for r in ranked if r[0][:2] == best]
        titled = [r for r in named if r[3] in _flat(" ".join(r[1].section[-1:]) + r[1].task)]
        chosen = titled[:1] or named[:MAX_DUTY_TASKS]
    if asked_unit:
        listing = [r for r in chosen if any(unit_matches(asked_unit, u) for u in (*r[1].lead, *r[1].participants,
                                                                                   *r[1].responsible))]
        if not listing:
            lines = [f"《{titles[d.plan]}》{duty_line(d)}该任务未列{asked_unit}。[{i + 1}]"
                     for i, (_, d, _, _) in enumerate(chosen)]
            return Reply("duty", (f"规划未列明{asked_unit}承担该项任务。", *lines), tuple(r[2] for r in chosen),
                         abstained=True)
        chosen = listing
    lines = tuple(f"《{titles[d.plan]}》{duty_line(d)}[{i + 1}]" for i, (_, d, _, _) in enumerate(chosen))
    return Reply("duty", lines, tuple(r[2] for r in chosen))


def task_start(d: Duty, containers: dict[str, list[Chunk]], span: Span) -> int:
    """Where the task's own text begins: the first chunk of its section (or of the items under it, when the
    note closes a list of items) before the note (a long task paragraph is several chunks, and the note sits
    in the last)."""
    n = len(d.section)
    return min((c.start for c in containers.get(d.plan, ()) if c.section[:n] == d.section and c.start <= d.start),
               default=span.start)


# a department as people write one: a level (区/市/县/州/旗/省/盟/镇, or 各) then a name ending in a body word;
# "支持社会办医", "五大中心", "应急作业中心" are topics, not units
UNIT_WORD = re.compile(r"(?:(?<![\u4e00-\u9fff])|(?<=[的和与及、由是问好让请对]))(?:[区市县州旗省盟镇]|各)[\u4e00-\u9fff]{1,10}?"
                       r"(?:局|委员会|委|办公室|办|中心|分局)")


def unit_named(question: str, duties: list[Duty]) -> str:
    """A unit the question names: as the plans list it, else as a 局/委/办… word no task lists, or ""."""
    named = listed_unit(question, duties)
    if named:
        return named
    q = re.sub(r"\s", "", question)
    m = UNIT_WORD.search(q)
    return m.group() if m else ""


def answer_unit_tasks(question: str, duties: list[Duty], titles: dict[str, str],
                      containers: dict[str, list[Chunk]]) -> Reply | None:
    """Every task of the unit the question names, grouped by plan, each cited."""
    found = duties_of_unit(question, duties)
    if not found:
        return None
    named, rows = found
    role = asked_role(question)  # "哪项任务由X牵头": the tasks it leads, not every task it is on
    rows = [r for r in rows if not role or r[1] == role]
    if not rows:
        return Reply("unit_tasks", (f"规划未列明{named}{role}的任务。",), (), abstained=True)
    lines, spans = [f"{named}{role or '承担'}的任务（共{len(rows)}项）："], []
    for d, role in rows:
        spans.append(note_span(d, containers))
        task = d.task or "（未编号任务）"
        lines.append(f"《{titles[d.plan]}》{task}（{role}）[{len(spans)}]")
    return Reply("unit_tasks", tuple(lines), tuple(spans))


def answer_meta(plans: list, texts: dict[str, str]) -> Reply | None:
    """Issuing body, date and 文号 from plan metadata, cited at the notice header where they stand."""
    lines, spans = [], []
    for p in plans:
        text = texts[p.id]
        found = []
        for value in (p.doc_number, _date_text(p.date, text), p.issuer):
            i = text.find(value) if value else -1
            if i >= 0:
                found.append((i, i + len(value)))
        if not found:
            continue
        start, end = min(a for a, _ in found), max(b for _, b in found)
        spans.append(Span(p.id, start, end, (start, end)))
        parts = [f"发文机关：{p.issuer}" if p.issuer else "", f"文号：{p.doc_number}" if p.doc_number else "未标注文号",
                 f"印发日期：{_date_text(p.date, text) or p.date}" if p.date else ""]
        lines.append(f"《{p.title}》" + "；".join(x for x in parts if x) + f"。[{len(spans)}]")
    return Reply("meta", tuple(lines), tuple(spans)) if lines else None


def _date_text(iso: str, text: str) -> str:
    """The date as the plan writes it (2023年8月14日), found back from its ISO form."""
    if not iso:
        return ""
    y, m, d = iso.split("-")
    hit = re.search(rf"{y}\s*年\s*0?{int(m)}\s*月\s*0?{int(d)}\s*日", text)
    return hit.group() if hit else ""

"""Checks a claim must pass against its cited text before it is stated (query time, pure functions).

- **year**: a question that asks for a year (2030, 2020, 十三五 …) is answered only by text that states that
  year; a 2025 target is never an answer to "2035年", a 十三五 achievement never to "2025年目标".
- **indicator identity**: the question's modifier of the measured noun must not contradict the
  indicator's (专科医生 ≠ 全科医生, 健康预期寿命 ≠ 人均预期寿命, 卫生技术人员 ≠ 公共卫生人员).
- **topic presence**: a distinctive term of the question that the plans never use (医美, a made-up
  project's name) means the plans do not discuss it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .places import find_places
from .search import normalise
from .vocab import table

_YEAR = re.compile(r"(?<!\d)(20[0-5]\d)(?!\d)")
_PLAN_NAME = re.compile(r"[“\"]?十[一二三四五六]五[”\"]?(?:[\u4e00-\u9fff]{0,8}?(?:规划|方案|纲要))")
_RANGE = re.compile(r"(?<!\d)20\d{2}\s*(?:年)?\s*[—–\-~～至到]+\s*20\d{2}(?!\d)")
# five-year periods: the year they end in ("十四五末", "十四五期间" → 2025)
PERIODS = {"十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030}
# words before a measured noun that say where or when, not what is measured ("全区床位数")
SCOPE_WORDS = frozenset(
    "全区 全市 全县 全省 全州 全旗 全盟 我区 我市 我县 我省 辖区 城乡 城市 农村 全国 省级 市级 区级 县级 届时 期末 年底 "
    "年末 目标 指标 要求 达到 提高 提升 下降 降低 增加 增长 控制 实现 规划 计划 其中 以及 以上 以下 左右 每千 每万 人口 "
    "常住 每千人 每万人 千人 万人 要达 需要 应当".split()
)


def asked_years(question: str, own_period: int | None = None) -> tuple[int, ...]:
    """Years the question asks about, in order: explicit years (not a plan's "2021—2025年" span) and
    five-year periods by their end year. A period that names the plan itself ("卫生健康十四五规划" when the
    plans asked about are 十四五 plans, ``own_period`` 2025) asks for no year."""
    q = normalise(question)
    q = _RANGE.sub(" ", q)
    q = _PLAN_NAME.sub(lambda m: " " if any(w in m.group() and end == own_period for w, end in PERIODS.items())
                       else m.group(), q)
    found = [int(y) for y in _YEAR.findall(q)]
    found += [end for word, end in PERIODS.items() if word in q]
    return tuple(dict.fromkeys(found))


def plan_end_year(title: str) -> int | None:
    """The year a plan's own period ends in: 十四五 → 2025, （2021—2025年） → 2025."""
    t = normalise(title)
    m = re.search(r"20\d{2}\s*年?\s*[—–\-~～至到]+\s*(20\d{2})", t)
    if m:
        return int(m.group(1))
    return next((end for word, end in PERIODS.items() if word in t), None)


def states_year(text: str, year: int) -> bool:
    """The text speaks of that year: the year itself or the five-year period ending in it."""
    t = normalise(text)
    if any(int(y) == year for y in _YEAR.findall(t)):
        return True
    return any(end == year and word in t for word, end in PERIODS.items())


def _indicator_form(name: str) -> str:
    """Indicator name for matching: width folded, a trailing unit in brackets and bracket marks dropped."""
    n = normalise(name)
    n = re.sub(r"[（(][^（）()]{1,8}[）)]$", "", n)  # 每千人口床位数（张）
    return re.sub(r"[\s（）()“”\"*＊★▲]", "", n)


# the same measured noun in other words, folded before comparing modifiers
EQUIVALENT = (("期望寿命", "预期寿命"), ("平均寿命", "预期寿命"), ("医保", "医疗保险"), ("慢病", "慢性病"),
              ("公卫", "公共卫生"))


def _head(question: str, indicator: str) -> str:
    """The longest ending of the indicator (≥ 2 characters, a final 数/率 optional) that the question also
    uses: the measured noun."""
    stems = (indicator, indicator[:-1]) if indicator.endswith(("数", "率")) else (indicator,)
    for size in range(len(indicator), 1, -1):
        for stem in stems:
            if len(stem) >= size and stem[-size:] in question:
                return stem[-size:]
    return ""


@lru_cache(maxsize=20000)  # the same question meets the same indicator names again and again
def modifier_conflict(question: str, indicator: str) -> str:
    """The question's own modifier of the measured noun when it contradicts the indicator's, else "".

    "每万人口专科医生数" vs "每万人口全科医生数": both measure 科医生数; the word before it in the question
    (专科) is not in the indicator → "专科". Scope words (全区, 每千人口 …) and modifiers the indicator also
    contains never conflict. An indicator that lists several measures ("妇女常见病筛查率、两癌筛查覆盖率")
    conflicts when every one it shares a measured noun with does.
    """
    pieces = [p for p in normalise(indicator).split("、") if p]
    if len(pieces) > 1 and all(_MEASURE_END.search(p[-2:]) for p in pieces):
        found = [c for c in (_conflict(question, p) for p in pieces) if c is not None]
        return found[0] if found and all(found) else ""
    return _conflict(question, indicator) or ""


def _conflict(question: str, indicator: str) -> str | None:
    """modifier_conflict for one measure; None when the question shares no measured noun with it."""
    import jieba

    q = normalise(question)
    for word, plan_words in SYNONYMS.items():  # 抽烟 is asked, 吸烟 is written
        q = q.replace(word, plan_words[0])
    for a, b in EQUIVALENT:
        q = q.replace(a, b)
    ind = _indicator_form(indicator)
    for word, plan_words in SYNONYMS.items():  # folded on both sides: the plan may use the user's word
        ind = ind.replace(word, plan_words[0])
    for a, b in EQUIVALENT:
        ind = ind.replace(a, b)
    head = _head(q, ind)
    if len(head) < 2:
        return None
    if head == ind or ind.startswith(head):
        return ""
    words = list(jieba.tokenize(q))
    word = ""
    for m in re.finditer(re.escape(head), q):
        at = m.start() - 1
        k = next((i for i, (w, a, b) in enumerate(words) if a <= at < b), None)
        word = words[k][0] if k is not None else ""
        while k and len(word) < 4 and re.fullmatch(r"[\u4e00-\u9fff]", words[k][0]) and \
                re.fullmatch(r"[\u4e00-\u9fff]", words[k - 1][0]):  # 产|前|筛查率: single characters join
            k -= 1
            word = words[k][0] + word
        if (not re.fullmatch(r"[\u4e00-\u9fff]{2,}", word) or word in SCOPE_WORDS or word in ind
                or any(word.endswith(s) and len(word) - len(s) < 2 for s in SCOPE_WORDS) or find_places(word)
                or word in COLLOQUIAL or not _freq(word) or _spread(word).search(ind)):
            return ""  # not a modifier: a question word, a segmenter-made word (里开), or in the indicator spread out
    return word


# users' own words that plans never use; their absence says nothing about the topic
COLLOQUIAL = frozenset(w for ln in table("question_words.txt") for w in ln.split())
# a user's word → the words plans use for it
SYNONYMS = {k: tuple(v.split("|")) for k, v in (ln.split("\t", 1) for ln in table("synonyms.tsv"))}
# measure words after 几 or a numeral: "几天" asks a figure as much as "多少"
COUNTERS = "".join(w for ln in table("counters.txt") for w in ln.split())
HOW_MANY = rf"(?<!哪)几[{COUNTERS}]"  # "哪几家" asks which ones, not how many
CONTENT_POS = ("n", "vn", "nz", "nt", "nw", "l", "j", "x")  # jieba tags of words that name a topic
VERB_POS = ("v", "i")
MAX_TASK_VERB_FREQ = 1000  # commoner verbs (属于, 参加, 包括) say how, not what
RESULT_ENDS = frozenset("到足了过成出好完掉住起下上来去给")
# characters the segmenter glues onto the next word ("规划里普惠" → 里普, "意见中普" → 中普)
GLUE_HEAD = frozenset("里中讲在的对把由是为和与及将")
# counters glued on after a number or 多少/几 ("多少张床" → 张床, "2025年产前" → 年产)
COUNTER_HEAD = frozenset("张个名家所项年月日岁")
COUNT_BEFORE = re.compile(r"(?:\d|多少|几)$")
MIN_STRADDLE_FREQ = 50  # a dictionary word this common (and commoner than the word) crossing its edge: doubtful
ABBREVIATION_MAX_FREQ = 500  # rarer words may be abbreviations (公卫, 长护险) of what plans write in full


def _freq(word: str) -> int:
    import jieba

    jieba.initialize()
    return jieba.dt.FREQ.get(word) or 0


def _trim(q: str, t: str, i: int) -> str:
    """The word t found at q[i:] without the characters that more likely belong to a neighbour."""
    j = i + len(t)
    head = _freq(t) == 0 and t[0] in GLUE_HEAD or (t[0] in COUNTER_HEAD and COUNT_BEFORE.search(q[:i]))
    floor = max(MIN_STRADDLE_FREQ, _freq(t) + 1)  # a commoner word across the edge: 项目|的, 地铁站|点
    head = head or any(_freq(q[k:i + 1]) >= floor for k in (i - 1, i - 2) if k >= 0)
    tail = any(_freq(q[j - 1:m]) >= floor for m in (j + 1, j + 2) if m <= len(q))
    return t[1 if head else 0:len(t) - 1 if tail else len(t)]


def _task_verb(word: str, flag: str) -> bool:
    """A verb or idiom that names a task (殡葬, 禁毒, 无偿献血): a dictionary word, not an everyday one, not a
    verb with a result ending (降到, 备足, 拿来)."""
    return flag in VERB_POS and 0 < _freq(word) <= MAX_TASK_VERB_FREQ and word[-1] not in RESULT_ENDS


def topic_terms(text: str, ignore: frozenset = frozenset(), verbs: bool = False) -> list[str]:
    """Distinctive topic words of a question: nouns and names of 2+ Chinese characters (with ``verbs``, also
    verbs that name a task), not places and not users' own phrasing; a character the segmenter likely took
    from a neighbour is dropped first."""
    import jieba.posseg

    q = normalise(text)
    out, at = [], 0
    for w in jieba.posseg.lcut(q):
        i, at = at, at + len(w.word)
        named = w.flag.startswith(CONTENT_POS) or w.flag == "ns" or (verbs and _task_verb(w.word, w.flag))
        if not named or not re.fullmatch(r"[\u4e00-\u9fff]{2,}", w.word):
            continue
        t = _trim(q, w.word, i)
        if len(t) >= 2 and t not in COLLOQUIAL and w.word not in COLLOQUIAL and t not in ignore and t not in out:
            out.append(t)
    return out


def absent_terms(text: str, texts: list[str], ignore: frozenset = frozenset()) -> list[str]:
    """Topic words of a question that occur in none of the given plan texts (whitespace removed, width folded)."""
    return [t for t in topic_terms(text, ignore, verbs=True) if not any(used(t, x) for x in texts)]


@lru_cache(maxsize=4096)
def _spread(term: str) -> re.Pattern:
    """公卫 → 公(up to 2 characters of the same phrase)卫: how a plan writes what the abbreviation stands for."""
    return re.compile(r"[^，。；：、！？\s]{0,2}".join(map(re.escape, term)))


def used(term: str, text: str) -> bool:
    """The plan text uses the term: as ``writes`` does, or for a word of 3+ characters a piece one character
    shorter (the segmenter sometimes glues a neighbour on: 规划里马尚 → 里马尚)."""
    return (len(term) >= 3 and (term[1:] in text or term[:-1] in text)) or writes(term, text)


def writes(term: str, text: str) -> bool:
    """The plan text writes the term itself: literally, as a plan word for it (病人 → 患者) or, for a rare
    word, spelled out (长护险 → 长期护理保险); unlike ``used``, a shorter piece (医药 of 中医药) does not count."""
    if term in text or any(s in text for s in SYNONYMS.get(term, ())):
        return True
    return _freq(term) < ABBREVIATION_MAX_FREQ and bool(_spread(term).search(text))


# the end of a measured noun: "每千人口注册护士数", "产前筛查率", "人均预期寿命" (not 数值, 数量, 数据)
_MEASURE_END = re.compile(r"(?:率|比例|比重|占比|寿命|水平|数)(?![值量据字])")
_BRACKETED = re.compile(r"[（(][^（）()]{0,8}[）)]")
_SHARE = ("比例", "比重", "占比")  # "达到标准的比例": the plan names the share its own way; not checked
_CLAUSE = re.compile(r"[，,；;。：:]")  # not 、: "A筛查率、B覆盖率达到85%" gives one figure to both
_FIGURE = re.compile(r"(?<![\d.])(?!(?:19|20)\d{2}年)\d|[一二三四五六七八九十百]+(?:个百分点|岁|人|张|名|家|所)")
MIN_MEASURE_END = 3  # characters of the asked measure a sentence must end a measured phrase with ("筛查率")


def asked_measures(question: str) -> list[str]:
    """The measured nouns a figure question asks about (runs ending in 率/数/寿命 …), without slot words
    such as 基数 or 人数 and without shares (比例), which plans phrase freely."""
    return [r for r in _measure_runs(question) if not r.endswith(_SHARE)]


def _measure_runs(question: str) -> list[str]:
    """Runs ending in a measure word, as asked and with users' words in the plans' words (抽烟率 → 吸烟率)."""
    q = _BRACKETED.sub("", normalise(question))  # 药师（药士）数 → 药师数
    folded = q
    for word, plan_words in SYNONYMS.items():
        folded = folded.replace(word, plan_words[0])
    runs = [run[:m.end()] for text in dict.fromkeys((q, folded))
            for run in re.findall(r"[\u4e00-\u9fff]+", text) for m in _MEASURE_END.finditer(run)]
    return [r for r in dict.fromkeys(runs) if not any(r.endswith(w) for w in COLLOQUIAL if len(w) >= 2)
            and not re.search(rf"{HOW_MANY}|多少", r)]  # "几家医院要达到三级水平" asks a count, not a 水平


def names_measure(question: str, indicator: str) -> bool:
    """The indicator ends like a measure the question asks about (at least its last three characters), or
    the question names no measure."""
    measures = asked_measures(question)
    n = re.sub(r"\s", "", normalise(indicator))
    if not measures and any(r.endswith(_SHARE) for r in _measure_runs(question)):
        return n.endswith(_SHARE + ("率",)) or any(w in n for w in _SHARE)  # a share is not a count (托位数)
    names = (_BRACKETED.sub("", n), re.sub(r"[（）()]", "", n))  # 药师（士）数 as 药师数 and as 药师士数
    return not measures or any(m[-min(MIN_MEASURE_END, len(m)):] in name for m in measures for name in names)


def states_measure(question: str, sentence: str) -> bool:
    """A sentence answers a figure question only if it gives a figure for an asked measure: a clause (or a
    table row's cell) before the figure ends like the asked measure (at least its last three characters)
    and the question's modifier is not missing before it (健康预期寿命 is not answered by
    "人均预期寿命达到78岁，健康水平显著提高")."""
    measures = asked_measures(question)
    text = _BRACKETED.sub("", re.sub(r"\s", "", normalise(sentence)))
    cells = re.split(r"[;；]", text)
    row = len(cells) >= 3  # a table row as the index writes it: "指标 X；单位 人；2020年 3.1；2025年 4.5"
    q = normalise(question)
    if row and any(modifier_conflict(q, c) for c in cells):
        return False  # the row's indicator contradicts the question (专科 asked, 全科 listed)
    if not measures:
        return True
    if row:
        named_parts = [(c, text.find(c)) for c in cells] if _FIGURE.search(text) else []
    else:
        named_parts, at = [], 0
        for c in _CLAUSE.split(text):
            at = text.find(c, at)
            last = 0
            for f in _FIGURE.finditer(c):  # "A数2.77人、B数4.06人": each figure names what stands before it
                named_parts.append((c[last:f.start()], at + last))
                last = f.end()
    for measure in measures:
        need = min(MIN_MEASURE_END, len(measure))
        for named, at in named_parts:
            ends = [k for k in range(need, len(measure) + 1) if measure[-k:] in named]
            if not ends:
                continue
            cut = named.rfind(measure[-ends[-1]:]) + ends[-1]
            conflict = modifier_conflict(q, named[:cut])
            if not conflict or (not row and conflict in text[:at + cut]):  # said earlier in a prose sentence
                return True
    return False


# what a named facility or project ends in ("鱼台县中医院", "马尚中心卫生院", "智慧健康云平台")
_FACILITY = r"(?:医院|卫生院|保健院|中心|院区|卫生室|服务站|项目|工程|平台|基地|学院)"
_FACILITY_END = re.compile(rf"{_FACILITY}$")
FACILITY_WORD = re.compile(_FACILITY)  # a sentence that names a facility has a subject of its own
_NAME_POS = ("n", "ns", "nz", "nt", "nr", "j")
_ORDINAL = re.compile(r"第[一二三四五六七八九十]+")  # 第二人民医院
_PROPER_POS = ("ns", "nz", "nr", "j")  # a place, a name or an abbreviation makes a facility a particular one


def named_facilities(question: str) -> list[str]:
    """Names of particular facilities or projects the question asks about: a facility word with the
    nouns and place names written right before it (鱼台县中医院, 区妇保院), at least two words long."""
    import jieba.posseg

    words = [(w.word, w.flag) for w in jieba.posseg.lcut(normalise(question))]
    out = []
    for i, (word, _) in enumerate(words):
        if not _FACILITY_END.search(word):
            continue
        j = i
        while j > 0 and words[j - 1][0] not in COLLOQUIAL and (
                words[j - 1][1].startswith(_NAME_POS) or _ORDINAL.fullmatch(words[j - 1][0])):
            j -= 1
        name = "".join(w for w, _ in words[j:i + 1])
        proper = any(f.startswith(_PROPER_POS) or _ORDINAL.fullmatch(w) for w, f in words[j:i])
        if proper and len(name) >= 4 and name not in out:  # 鱼台县中医院, 第二人民医院; not 镇级卫生院
            out.append(name)
    return out


_ITEM = "项目"  # what a project covers is worded freely; a facility's name is not


def names_in(name: str, text: str) -> bool:
    """The text writes the name, possibly with short insertions (区妇保院 in 区妇幼保健院); a 项目 named by
    what it covers may have its words in another order within one clause (申报职业病危害项目 in
    职业病危害项目申报率), while a facility's words must stand as written (鱼台县中医院 is not
    鱼台县人民医院、金乡县中医院)."""
    if name in text or _spread(name).search(text):
        return True
    if not name.endswith(_ITEM) or FACILITY_WORD.search(name[:-len(_ITEM)]):
        return False  # 济宁市老年病医院项目 is a facility's project: its name stands as written
    import jieba

    words = [w for w in jieba.lcut(name) if w.strip()]
    return any(all(w in clause for w in words) for clause in _CLAUSE.split(text))


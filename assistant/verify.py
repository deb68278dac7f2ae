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

_YEAR = re.compile(r"(?<!\d)(20[0-5]\d)(?!\d)")
_RANGE = re.compile(r"(?<!\d)20\d{2}\s*(?:年)?\s*[—–\-~～至到]+\s*20\d{2}(?!\d)")
# five-year periods: the year they end in ("十四五末", "十四五期间" → 2025)
PERIODS = {"十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030}
# words before a measured noun that say where or when, not what is measured ("全区床位数")
SCOPE_WORDS = frozenset(
    "全区 全市 全县 全省 全州 全旗 全盟 我区 我市 我县 我省 辖区 城乡 城市 农村 全国 省级 市级 区级 县级 届时 期末 年底 "
    "年末 目标 指标 要求 达到 提高 提升 下降 降低 增加 增长 控制 实现 规划 计划 其中 以及 以上 以下 左右 每千 每万 人口 "
    "常住 每千人 每万人 千人 万人 要达 需要 应当".split()
)


def asked_years(question: str) -> tuple[int, ...]:
    """Years the question asks about, in order: explicit years (not a plan's "2021—2025年" span) and
    five-year periods by their end year."""
    q = normalise(question)
    q = _RANGE.sub(" ", q)
    found = [int(y) for y in _YEAR.findall(q)]
    found += [end for word, end in PERIODS.items() if word in q]
    return tuple(dict.fromkeys(found))


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
    contains never conflict.
    """
    import jieba

    q = normalise(question)
    for a, b in EQUIVALENT:
        q = q.replace(a, b)
    ind = _indicator_form(indicator)
    head = _head(q, ind)
    if len(head) < 2 or head == ind or ind.startswith(head):
        return ""
    words = list(jieba.tokenize(q))
    word = ""
    for m in re.finditer(re.escape(head), q):
        at = m.start() - 1
        word = next((w for w, a, b in words if a <= at < b), "")
        if (not re.fullmatch(r"[\u4e00-\u9fff]{2,}", word) or word in SCOPE_WORDS or word in ind
                or any(word.endswith(s) and len(word) - len(s) < 2 for s in SCOPE_WORDS) or find_places(word)):
            return ""
    return word


# users' own words that plans never use; their absence says nothing about the topic
COLLOQUIAL = frozenset(
    "老百姓 群众 咱们 大家 这边 那边 里头 里面 能活 活到 定了 打算 准备 安排 提到 提出 说到 讲到 讲的 说的 规定 具体 "
    "情况 内容 方面 措施 要求 明确 哪一章 哪一节 哪一部分 哪部分 章节 部分 哪里 哪儿 怎么样 怎样 如何 是不是 有没有 "
    "多久 一下 现在 目前 今后 未来 将来 今年 明年 去年 请问 您好 你好 谢谢 咨询 了解 知道 告诉 想问 问一下 是否 "
    "能否 可以 能够 需要 应该 哪些 哪个 什么 多少 为什么 为何 怎么 啥 吗 呢 本地 当地 我们 我区 我市 贵区 贵市 "
    "文件 规划 计划 方案 意见 政策 实施 里面 当中 其中 分别 以及 还有 和 与 及 或者 哪年 几年 目标 指标 达到 名字 名称 "
    "标题 题目 条款 表格 表里 数字 数据 数值 比例 时间 时候 日期 年份 单位 部门 机构 人员 任务 工作 事项 项目 一共 "
    "共计 总共 合计 多长 多大 多高 多远 多宽 控制目标 目标值 指标值 总量 总数 数量 规模 "
    # what is asked of an indicator (its slot), written in a table's header rather than beside the figure
    "约束性 预期性 预期 属性 性质 基数 基期 基期值 现状 现状值 完成值 年度".split()
)


CONTENT_POS = ("n", "vn", "nz", "nt", "nw", "l", "j", "x")  # jieba tags of words that name a topic


def topic_terms(text: str, ignore: frozenset = frozenset()) -> list[str]:
    """Distinctive topic words of a question: nouns and names of 2+ Chinese characters, not places and not
    users' own phrasing."""
    import jieba.posseg

    out = []
    for w in jieba.posseg.lcut(normalise(text)):
        t = w.word
        if (len(t) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", t) or t in COLLOQUIAL or t in ignore
                or not (w.flag.startswith(CONTENT_POS) or w.flag == "ns")):
            continue
        if t not in out:
            out.append(t)
    return out


def absent_terms(text: str, texts: list[str], ignore: frozenset = frozenset()) -> list[str]:
    """Topic words of a question that occur in none of the given plan texts (whitespace removed, width folded)."""
    return [t for t in topic_terms(text, ignore) if not any(used(t, x) for x in texts)]


def used(term: str, text: str) -> bool:
    """The term, or for a word of 3+ characters a piece one character shorter, occurs in text: the
    segmenter sometimes glues a neighbour on ("规划里马尚" → 里马尚)."""
    return term in text or (len(term) >= 3 and (term[1:] in text or term[:-1] in text))

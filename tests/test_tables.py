"""Indicator tables in every layout become correct target records (made-up tables, made-up figures).

Each rule has a positive case and a negative twin that differs only in what the rule looks at.
"""

from __future__ import annotations

from assistant.columns import column_kind, columns, split_unit
from assistant.facts import Target, extract_targets
from assistant.formatting import target_line
from assistant.parse import parse_blocks
from assistant.route import answer_targets

PERIOD = "某县“十四五”卫生健康规划\n"


def records(raw: str) -> list[Target]:
    return [t for t in extract_targets("x", raw, parse_blocks(raw)) if t.source == "table"]


def rows(raw: str) -> list[tuple[str, ...]]:
    return [b.cells for b in parse_blocks(raw) if b.kind == "row"]


# ---------------------------------------------------------------- header cells by meaning


def test_columns_are_known_by_their_words_not_their_place():
    header = ("属性", "2025年目标", "指标", "2020年现状", "计量单位")
    cols = columns(header)
    assert (cols["nature"], cols["targets"], cols["indicator"], cols["baseline"], cols["unit"]) == (0, [1], 2, 3, 4)
    raw = "主要指标\n" + "\t".join(header) + "\n约束性\t≥88\t适龄儿童建档率\t81\t%\n预期性\t6.4\t每千人口护士数\t5.2\t人\n"
    t = records(raw)[0]
    assert (t.indicator, t.value, t.baseline, t.unit, t.nature, t.target_year) == (
        "适龄儿童建档率", "≥88", "81", "%", "约束性", "2025年")


def test_a_same_year_actual_column_beside_a_target_is_the_achievement():
    raw = "表3 上期指标\n指标\t单位\t2020年目标\t2020年实际\n每千人口护士数\t人\t3.3\t3.1\n"
    assert [(t.value, t.achieved, t.baseline) for t in records(raw)] == [("3.3", "3.1", "")]
    twin = "表3 本期指标\n指标\t单位\t2020年实际\t2025年目标\n每千人口护士数\t人\t3.1\t3.9\n"
    assert [(t.value, t.achieved, t.baseline) for t in records(twin)] == [("3.9", "", "3.1")]


def test_status_column_is_read():
    assert column_kind("完成情况") == "status" and column_kind("2020年完成") == "done"
    raw = ("表1 上期完成情况\n指标\t单位\t2015年\t2020年目标\t2020年完成\t完成情况\n"
           "每千人口床位数\t张\t3.9\t4.6\t4.2\t未完成\n")
    t = records(raw)[0]
    assert (t.value, t.achieved, t.status) == ("4.6", "4.2", "未完成")
    assert "完成情况 未完成" in target_line(t)


# ---------------------------------------------------------------- units in brackets


def test_a_bracketed_unit_is_the_unit_and_not_part_of_the_name():
    assert split_unit("每千人口病床数（张）") == ("每千人口病床数", "张")
    assert split_unit("甲类传染病发病率(1/10万)") == ("甲类传染病发病率", "1/10万")
    assert split_unit("每千人口执业（助理）医师数") == ("每千人口执业（助理）医师数", "")
    assert split_unit("每千人口药师（士）") == ("每千人口药师（士）", "")  # 士 is part of the name
    raw = "主要指标\n指标\t2020年\t2025年\n每千人口病床数（张）\t5.5\t6.6\n每千人口执业（助理）医师数\t2.1\t2.9\n"
    assert [(t.indicator, t.unit) for t in records(raw)] == [("每千人口病床数", "张"), ("每千人口执业（助理）医师数", "")]


def test_a_rate_unit_is_not_glued_to_its_value():
    t = Target("x", "结核病发病率", "<31", unit="1/10万", target_year="2025年")
    assert target_line(t).startswith("结核病发病率：2025年目标 <31（单位 1/10万）")
    assert target_line(Target("x", "人均寿命", "80.2", unit="岁", target_year="2025年")).startswith(
        "人均寿命：2025年目标 80.2岁")


# ---------------------------------------------------------------- one cell per line (web page)

WEB = """全县主要健康指标
序号
指标名称
单位
2020年
2025年
指标属性
1
人均寿命
岁
78.2
79.1
预期性
2
每千人口病床数
张
5.3
6.1
预期性
3
每万人口全科医生数
人
2.6
3.8
约束性
三、重点任务
（一）建设县域医共体。到2025年建成2个医共体。
"""


def test_one_cell_per_line_table_without_tabs():
    got = [(t.indicator, t.unit, t.baseline, t.value, t.nature, t.row) for t in records(WEB)]
    assert got == [("人均寿命", "岁", "78.2", "79.1", "预期性", 1), ("每千人口病床数", "张", "5.3", "6.1", "预期性", 2),
                   ("每万人口全科医生数", "人", "2.6", "3.8", "约束性", 3)]
    raw = WEB
    for t in records(raw):
        assert t.value in raw[t.start : t.end] and t.table == "全县主要健康指标"
    blocks = parse_blocks(raw)
    assert any(b.kind == "para" and "建成2个医共体" in b.text for b in blocks)  # prose after the table is prose


def test_short_prose_lines_are_not_a_table():
    prose = "工作要求\n项目名称\n单位\n备注\n一是压实责任\n二是加强督导\n三是严格考核\n四是及时通报\n"
    assert rows(prose) == []  # no year or 目标 column: a list of words, not a header
    assert len(rows("工作要求\n项目名称\n单位\n2025年目标\n示范社区\n个\n12\n")) == 1  # with a target column: a table
    listing = "指标\n单位\n2025年\n这一句说明了项目的具体做法和1项要求。\n个\n12\n"
    assert rows(listing) == []  # a header, but what follows is a sentence, not a cell
    assert len(rows(listing.replace("这一句说明了项目的具体做法和1项要求。", "示范项目数"))) == 1


def test_one_cell_per_line_incomplete_last_row_is_left_out():
    cut = WEB[: WEB.index("约束性\n三、")]  # the page ends inside row 3
    assert [t.row for t in records(cut)] == [1, 2]
    assert [t.row for t in records(WEB)] == [1, 2, 3]
    plain = "\n".join(ln for ln in WEB.splitlines() if ln not in ("预期性", "约束性", "指标属性")) + "\n"
    assert [t.row for t in records(plain)] == [1, 2, 3]
    assert [t.row for t in records(plain[: plain.index("3.8\n")])] == [1, 2]  # row 3 stops after its 2020 value


def test_one_cell_per_line_name_broken_over_two_lines():
    broken = WEB.replace("每千人口病床数\n", "每千人口医疗卫生\n机构床位数\n")
    got = [(t.indicator, t.value) for t in records(broken)]
    assert got == [("人均寿命", "79.1"), ("每千人口医疗卫生机构床位数", "6.1"), ("每万人口全科医生数", "3.8")]
    unanchored = "\n".join(ln for ln in broken.splitlines() if ln not in ("预期性", "约束性", "指标属性")
                           and not ln.isdigit()) + "\n"
    assert [t.indicator for t in records(unanchored)] == ["人均寿命"]  # no 序号/属性 column to prove the join


def test_one_cell_per_line_merged_category_cell():
    raw = ("主要指标\n领域\n序号\n指标\n2020年\n2025年\n属性\n"
           "健康水平\n1\n人均寿命\n78.2\n79.1\n预期性\n2\n婴儿死亡率\n4.4\n4\n预期性\n"
           "健康服务\n3\n每千人口病床数\n5.3\n6.1\n预期性\n")
    assert [(t.domain, t.indicator) for t in records(raw)] == [
        ("健康水平", "人均寿命"), ("健康水平", "婴儿死亡率"), ("健康服务", "每千人口病床数")]


# ---------------------------------------------------------------- tab-separated and markdown


def test_tab_separated_row_broken_by_a_line_break():
    raw = ('主要指标\n领域\t指标\t单位\t2020年\t2025年\n健康水平\t人均寿命\t岁\t78.2\t79.1\n'
           '健康服务\t"每千人口医疗卫生\n机构床位数"\t张\t5.3\t6.1\n健康服务\t每万人口全科医生数\t人\t2.6\t3.8\n')
    assert [(t.indicator, t.value) for t in records(raw)] == [
        ("人均寿命", "79.1"), ("每千人口医疗卫生机构床位数", "6.1"), ("每万人口全科医生数", "3.8")]
    twin = raw.replace('\t"每千人口医疗卫生\n机构床位数"\t张\t5.3\t6.1', "\t每千人口医疗卫生机构床位数\t张")
    twin = twin.replace("\t2.6\t3.8\n", "\t2.6\n")  # two short rows: 3 + 4 fields do not make 5
    assert [b[1] for b in rows(twin)] == ["人均寿命", "每千人口医疗卫生机构床位数", "每万人口全科医生数"]


def test_tab_separated_cut_last_row_yields_nothing():
    raw = "主要指标\n指标\t单位\t2020年\t2025年\t属性\n人均寿命\t岁\t78.2\t79.1\t预期性\n每千人口病床数\t张\t5.3\t6.1\n"
    assert [t.indicator for t in records(raw)] == ["人均寿命"]
    whole = raw.replace("\t6.1\n", "\t6.1\t预期性\n")
    assert [t.indicator for t in records(whole)] == ["人均寿命", "每千人口病床数"]


def test_empty_first_cell_continues_the_category_but_not_a_serial():
    md = ("| 领域 | 指标 | 2020年 | 2025年 |\n| --- | --- | --- | --- |\n| 健康水平 | 人均寿命 | 78.2 | 79.1 |\n"
          "|  | 婴儿死亡率 | 4.4 | 4 |\n")
    assert [t.domain for t in records(md)] == ["健康水平", "健康水平"]
    numbered = ("| 序号 | 指标 | 2020年 | 2025年 |\n| --- | --- | --- | --- |\n| 7 | 人均寿命 | 78.2 | 79.1 |\n"
                "|  | 婴儿死亡率 | 4.4 | 4 |\n")
    assert [b[0] for b in rows(numbered)] == ["7", ""]


# ---------------------------------------------------------------- review tables are past

REVIEW = PERIOD + """第一章 发展回顾
表1 “十三五”主要指标
指标\t单位\t2015年\t2020年
每千人口病床数\t张\t4.1\t5.3
院前急救平均反应时间\t分钟\t16\t13
第二章 发展目标
表2 “十四五”主要指标
指标\t单位\t2020年\t2025年
每千人口病床数\t张\t5.3\t6.1
"""


def test_review_table_under_a_review_heading_is_past():
    got = [(t.indicator, t.target_year, t.past) for t in records(REVIEW)]
    assert got == [("每千人口病床数", "2020年", True), ("院前急救平均反应时间", "2020年", True),
                   ("每千人口病床数", "2025年", False)]
    elsewhere = REVIEW.replace("第一章 发展回顾", "第一章 主要指标")
    assert not any(t.past for t in records(elsewhere))  # same table, not under a review heading
    later = REVIEW.replace("2015年\t2020年", "2020年\t2025年", 1)
    assert not records(later)[0].past  # under the heading, but its years reach into the plan's period


def test_achievement_table_is_past_wherever_it_stands():
    raw = PERIOD + "表1 主要指标\n指标\t2015年\t2020年目标\t2020年完成\n每千人口病床数\t4.1\t5.5\t5.3\n"
    assert [t.past for t in records(raw)] == [True]
    assert [t.past for t in records(raw.replace("2020年完成", "2025年目标"))] == [False, False]


def _ask(question: str, raw: str = REVIEW):
    targets = extract_targets("x", raw, parse_blocks(raw))
    return answer_targets(question, "target", targets, ["x"], {"x": "某县规划"}, True)


def test_a_review_table_never_answers_a_question_about_the_plans_own_targets():
    reply = _ask("某县2025年院前急救平均反应时间的目标是多少？")
    assert reply.abstained and "回顾表" in reply.lines[0] and "不是本期目标" in reply.lines[0]
    own = _ask("某县2025年每千人口病床数的目标是多少？")
    assert not own.abstained and "2025年目标 6.1" in own.lines[0] and not any("2020年目标" in ln for ln in own.lines)


def test_a_question_about_the_earlier_plan_is_answered_from_the_review_table():
    reply = _ask("某县“十三五”院前急救平均反应时间2020年达到多少？")
    assert not reply.abstained and "2020年目标 13" in reply.lines[0]
    twin = _ask("某县“十三五”时期每千人口护士数原定目标是多少？",
                REVIEW.replace("表2 “十四五”主要指标\n指标\t单位\t2020年\t2025年\n",
                               "表2 “十四五”主要指标\n指标\t单位\t2020年\t2025年\n每千人口护士数\t人\t3.2\t4.0\n"))
    assert twin.abstained and "回顾表未列" in twin.lines[0]  # only the plan's own table has it


def test_a_comparison_states_the_plans_own_target_before_the_review_tables():
    targets = extract_targets("x", REVIEW, parse_blocks(REVIEW))
    reply = answer_targets("某县每千人口病床数2020年和2025年分别是多少？", "compare", targets, ["x"],
                           {"x": "某县规划"}, True)
    assert "2025年目标 6.1" in reply.lines[0]

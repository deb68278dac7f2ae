"""Facts from the real plans: indicator targets (tables, prose, 专栏) and responsibility notes."""

from __future__ import annotations

import re
from functools import cache

import pytest

from assistant.facts import Duty, Target, extract_duties, extract_targets
from assistant.indicators import match_indicator
from assistant.parse import parse_blocks
from assistant.units import normalise_unit, split_units, unit_matches
from tests.conftest import plan_text

PLANS = ("fushan-health-plan", "zhangdian-health-plan", "zhangdian-health-opinions", "jining-health-plan")


@cache
def facts(plan: str) -> tuple[str, list[Target], list[Duty]]:
    raw = plan_text(f"{plan}.txt")
    blocks = parse_blocks(raw)
    return raw, extract_targets(plan, raw, blocks), extract_duties(plan, raw, blocks)


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def target(plan: str, indicator: str, source: str = "table") -> Target:
    found = [t for t in facts(plan)[1] if t.indicator == indicator and t.source == source]
    assert found, f"{plan}: no {source} target {indicator}"
    return found[0]


def duty(plan: str, task_prefix: str) -> Duty:
    found = [d for d in facts(plan)[2] if d.task.startswith(task_prefix)]
    assert len(found) == 1, f"{plan}: {len(found)} duties for {task_prefix}"
    return found[0]


# ---------------------------------------------------------------- table targets


def test_tab_separated_table_fushan():
    t = target("fushan-health-plan", "每千人口注册护士数")
    assert (t.baseline, t.value, t.unit, t.nature) == ("2.57", "4.05", "人", "预期性")
    assert (t.baseline_year, t.target_year, t.domain, t.row) == ("2020年", "2025年", "健康服务", 13)
    assert t.table == "主要发展指标" and t.source == "table" and t.section[-1] == "主要发展指标"
    assert target("fushan-health-plan", "人均预期寿命").value == "81.5 左右"
    assert target("fushan-health-plan", "青少年总体近视率").value == "力争每年降低 1 个百分点"
    assert target("fushan-health-plan", "15岁以上人群吸烟率").baseline == "25.4 (2018 年)"


def test_one_cell_per_line_table_zhangdian_joins_split_cells():
    t = target("zhangdian-health-plan", "健康预期寿命")
    assert (t.baseline, t.value, t.domain) == ("69.53", "同比例增加", "健康水平")
    assert target("zhangdian-health-plan", "孕产妇死亡率").value == "控制在省平均水平以下"
    assert target("zhangdian-health-plan", "青少年总体近视率").value == "力争每年降低1%"
    assert target("zhangdian-health-plan", "每千人口医疗卫生机构床位数").unit == "张"


def test_one_cell_per_line_table_jining_marks_and_header_years():
    raw, _, _ = facts("jining-health-plan")
    t = target("jining-health-plan", "肺结核发病率")
    assert (t.row, t.marks, t.unit, t.baseline, t.value) == (7, "*", "/10万", "25.85", "20")
    assert (t.baseline_year, t.target_year, t.domain) == ("2020年", "2025年", "健康促进疾病防控")
    assert "肺结核发病率" in raw[t.start : t.end]
    assert target("jining-health-plan", "儿童国家免疫规划疫苗全程接种率").value == "＞90"
    myopia = target("jining-health-plan", "青少年总体近视率")
    assert (myopia.baseline, myopia.value, myopia.marks) == ("≤56.66", "力争每年降低1个百分点", "")
    assert target("jining-health-plan", "15岁以上人群吸烟率").value == "＜20"


@pytest.mark.parametrize("plan", PLANS)
def test_every_table_row_yields_a_target_and_values_are_cited(plan):
    raw, targets, _ = facts(plan)
    rows = [b for b in parse_blocks(raw) if b.kind == "row"]
    table = [t for t in targets if t.source == "table"]
    assert sorted((b.start, b.end) for b in rows) == sorted((t.start, t.end) for t in table)
    for t in targets:
        assert t.plan == plan and t.value and t.indicator
        assert squeeze(t.value) in squeeze(raw[t.start : t.end]), t


# ---------------------------------------------------------------- prose and 专栏 targets


def test_prose_targets_with_year_and_value():
    raw, targets, _ = facts("fushan-health-plan")
    nurses = target("fushan-health-plan", "每千人口注册护士数", "prose")
    assert (nurses.value, nurses.target_year, nurses.row, nurses.table) == ("4.05人", "2025年", 0, "")
    assert nurses.section[-1] == "36. 扩充卫生人力资源总量"
    assert raw[nurses.start : nurses.end].startswith("到2025年")
    assert target("fushan-health-plan", "120呼救电话3分钟出车率", "prose").value == "95%"
    assert target("fushan-health-plan", "每千人口药师（士）数", "prose").value == "0.54人"  # no verb, listed on
    assert target("fushan-health-plan", "重大慢病过早死亡率", "prose").value == "14%以下"
    assert target("fushan-health-plan", "院前急救服务半径", "prose").value == "不超过5公里"
    assert target("fushan-health-plan", "儿童青少年总体近视率", "prose").value == "力争每年降低1个百分点"


def test_counts_completion_and_beds_in_boxes():
    assert target("zhangdian-health-plan", "争创齐鲁中医药优势专科集群成员专科", "prose").value == "5个"
    assert target("zhangdian-health-plan", "新发乙肝病例", "prose").value == "较2020年下降10%以上"
    assert target("zhangdian-health-plan", "全区精神科医师数", "prose").value == "4.2名/10万人"
    beds = target("jining-health-plan", "济宁市公共卫生医疗中心项目规划设计床位", "box")
    assert beds.value == "900张" and beds.section[-1].startswith("专栏1")
    assert facts("jining-health-plan")[0][beds.start : beds.end].startswith("济宁市公共卫生医疗中心项目：规划设计床位900张")
    rescue = [t for t in facts("jining-health-plan")[1] if "紧急医学救援中心" in t.indicator and t.source == "box"]
    assert [(t.value, t.marks) for t in rescue] == [("1500张", "*")]
    done = [t for t in facts("jining-health-plan")[1] if t.value == "全部建成"]
    assert len(done) == 1 and done[0].target_year == "2023年底" and done[0].indicator.endswith("项目")
    assert target("jining-health-plan", "培育国家级重点专科", "prose").value == "10个"


@pytest.mark.parametrize("plan", PLANS)
def test_no_prose_target_from_background_sections(plan):
    for t in facts(plan)[1]:
        assert not any(re.search(r"背景|成效|形势|问题", s) for s in t.section), t


# ---------------------------------------------------------------- duties


def test_fushan_duty_across_a_page_break():
    raw, _, _ = facts("fushan-health-plan")
    d = duty("fushan-health-plan", "23.")
    assert d.task == "23. 加强急救体系建设"
    assert d.lead == ("区卫生健康局",)
    assert d.participants == ("区发展和改革委员会", "区教育和体育局", "区科技局", "区人力资源和社会保障局", "区财政局")
    note = raw[d.start : d.end]
    assert note.startswith("（牵头部门") and note.endswith("）") and "参与\n\n部门" in note


def test_fushan_duty_mixed_brackets_and_broken_unit():
    raw, _, _ = facts("fushan-health-plan")
    d = duty("fushan-health-plan", "11.")
    assert d.lead == ("生态环境局福山分局", "区市场监管局")
    assert "区水利局" in d.participants and d.participants[-1] == "区应急局"
    assert raw[d.start : d.end].endswith(")")
    seven = duty("fushan-health-plan", "7.")
    assert seven.lead == ("区卫生健康局", "各镇街园区") and seven.participants == ("区各职能部门",)
    assert duty("fushan-health-plan", "12.").participants == ("区爱国卫生运动委员会成员单位", "各镇街园区")
    assert duty("fushan-health-plan", "33.").lead == ("区卫生健康局", "区市场监管局")  # 牵头单位


def test_duty_counts_and_no_descriptive_false_positives():
    assert len(facts("fushan-health-plan")[2]) == 38  # tasks 1–39 (no 32)
    assert len(facts("jining-health-plan")[2]) == 51  # 46 tasks + 5 保障措施
    assert len(facts("zhangdian-health-opinions")[2]) == 25
    assert facts("zhangdian-health-plan")[2] == []  # "由区级公立医疗机构…牵头" describes a 医共体
    assert not any("专栏" in d.task for d in facts("fushan-health-plan")[2])  # 由辖区疾控中心负责业务指导


def test_zhangdian_opinions_responsible_units():
    d = duty("zhangdian-health-opinions", "1.")
    assert d.responsible == ("区卫生健康局", "区财政局", "区人力资源和社会保障局", "市医疗保障局张店分局")
    assert d.lead == d.participants == ()
    assert duty("zhangdian-health-opinions", "16.").responsible[-2:] == ("区住房保障事务服务中心", "区直有关部门")
    assert duty("zhangdian-health-opinions", "18.").responsible[-1] == "市医疗保障局张店分局"  # note in own paragraph


def test_jining_duty_styles():
    assert duty("jining-health-plan", "43.").responsible[0] == "市文化和旅游局"  # （…分别负责）
    assert duty("jining-health-plan", "27.").participants == ("市公安局", "市外办", "市应急局")  # trailing 等
    assert duty("jining-health-plan", "21.").participants == ("市卫生健康委",)  # 参与单位
    assert duty("jining-health-plan", "（二）").lead == ("各县市区政府", "市财政局", "市卫生健康委")


# ---------------------------------------------------------------- a plan from elsewhere

OTHER_PLAN = """某市某区“十四五”卫生健康事业发展规划

第一章 发展基础
第一节 “十三五”发展成就
“十三五”期间，全区人均预期寿命达到80.1岁，每千人口床位数达到5.2张。

第二章 发展目标
第一节 主要指标
到2025年，家庭医生签约率达到75%以上。
表1 主要指标
| 指标 | 单位 | 2020年 | 2025年 | 属性 |
| --- | --- | --- | --- | --- |
| 人均预期寿命 | 岁 | 80.1 | 81 | 预期性 |
| 每千人口注册护士数 | 人 | 3.1 | 3.8 | 预期性 |
| 每万人口全科医生数* | 人 | 2.5 | 4 | 约束性 |

第三章 主要任务
第一节 完善服务体系
一、发展普惠托育。到2025年，每千人口拥有3岁以下婴幼儿托位数达到4.5个，新建5个社区托育服务中心。（牵头单位：区卫生健康局；配合单位：区发展改革局、区财政局，各街道办事处）
二、推进医养结合。由区民政局牵头，区卫健局配合，建设护理型床位500张。
三、加强综合监管。到2025年，新增监督执法人员20名（区市场监管局牵头，区卫健局、区司法局配合）。
"""


def test_plan_from_another_district():
    raw = OTHER_PLAN
    blocks = parse_blocks(raw)
    targets = extract_targets("other", raw, blocks)
    table = {t.indicator: t for t in targets if t.source == "table"}
    assert set(table) == {"人均预期寿命", "每千人口注册护士数", "每万人口全科医生数"}
    nurses = table["每千人口注册护士数"]
    assert (nurses.baseline, nurses.value, nurses.nature, nurses.target_year) == ("3.1", "3.8", "预期性", "2025年")
    assert table["每万人口全科医生数"].marks == "*" and nurses.table == "表1主要指标"
    prose = {t.indicator: t.value for t in targets if t.source == "prose"}
    assert prose == {
        "家庭医生签约率": "75%以上",
        "每千人口拥有3岁以下婴幼儿托位数": "4.5个",
        "新建社区托育服务中心": "5个",
        "建设护理型床位": "500张",
        "新增监督执法人员": "20名",
    }  # nothing from 发展基础
    duties = extract_duties("other", raw, blocks)
    assert [(d.task, d.lead, d.participants) for d in duties] == [
        ("一、发展普惠托育", ("区卫生健康局",), ("区发展改革局", "区财政局", "各街道办事处")),
        ("二、推进医养结合", ("区民政局",), ("区卫健局",)),
        ("三、加强综合监管", ("区市场监管局",), ("区卫健局", "区司法局")),
    ]
    assert raw[duties[1].start : duties[1].end] == "由区民政局牵头，区卫健局配合"
    assert all(squeeze(t.value) in squeeze(raw[t.start : t.end]) for t in targets)


def test_duty_table_columns():
    raw = "重点任务分工\n| 序号 | 重点任务 | 牵头单位 | 配合单位 |\n| --- | --- | --- | --- |\n" \
          "| 1 | 建设区域医疗中心 | 区卫生健康局 | 区发展改革局、区财政局 |\n| 2 | 推进医保支付改革 | 区医保局 | 区卫健局 |\n"
    duties = extract_duties("t", raw, parse_blocks(raw))
    assert [(d.task, d.lead, d.participants) for d in duties] == [
        ("建设区域医疗中心", ("区卫生健康局",), ("区发展改革局", "区财政局")),
        ("推进医保支付改革", ("区医保局",), ("区卫健局",)),
    ]
    assert extract_targets("t", raw, parse_blocks(raw)) == []


# ---------------------------------------------------------------- unit names


@pytest.mark.parametrize(
    ("query", "unit"),
    [
        ("卫健局", "区卫生健康局"),
        ("区卫健局", "区卫生健康局"),
        ("卫健委", "市卫生健康委"),
        ("卫生健康局", "区卫健局"),
        ("发改委", "区发展和改革委员会"),
        ("发改委", "区发展和改革局"),
        ("区发改委", "区发展改革委"),
        ("人社局", "区人力资源和社会保障局"),
        ("人社局", "市人力资源社会保障局"),
        ("医保局", "区医保局"),
        ("医保局", "市医疗保障局张店分局"),
        ("区医保局", "市医疗保障局张店分局"),
        ("张店区医保局", "市医疗保障局张店分局"),
        ("市场监管局", "区市场监督管理局"),
        ("市监局", "区市场监管局"),
        ("教体局", "区教育和体育局"),
        ("住建局", "市住房城乡建设局"),
        ("工信局", "区工业和信息化局"),
        ("自然资源局", "市自然资源和规划局张店分局"),
        ("科技局", "区科学技术局"),
        ("应急局", "区应急管理局"),
        ("编办", "区委机构编制委员会办公室"),
        ("区委编办", "区委机构编制委员会办公室"),
        ("文旅局", "区文化和旅游局"),
        ("组织部", "区委组织部"),
        ("环保局", "生态环境局福山分局"),
        ("财政", "区财政局"),
    ],
)
def test_unit_aliases_match(query, unit):
    assert unit_matches(query, unit)


@pytest.mark.parametrize(
    ("query", "unit"),
    [
        ("区财政局", "区发展和改革委员会"),
        ("区卫健局", "市卫生健康委"),  # both levels stated and different
        ("卫健局", "区教育和体育局"),
        ("教育局", "区教体局"),
        ("大数据局", "区大数据中心"),
        ("政法委", "区政法局"),
        ("医保局", "区卫生健康局"),
        ("福山区医保局", "市医疗保障局张店分局"),  # another district's branch
        ("局", "区卫生健康局"),
    ],
)
def test_unit_aliases_do_not_overmatch(query, unit):
    assert not unit_matches(query, unit)


def test_normalise_unit_and_split():
    assert normalise_unit("区发展和改革委员会") == normalise_unit("区发展改革委") == normalise_unit("区发展和改革局")
    assert normalise_unit("区卫生健康局") == normalise_unit("区卫健局") == "卫健局"
    assert normalise_unit("市场监督管理局") == "市场监管局"
    assert normalise_unit("各县市区政府") == "各县市区政府"
    assert split_units("区财政局和区人社局、区教育和体育局，各镇街园区") == (
        "区财政局", "区人社局", "区教育和体育局", "各镇街园区",
    )
    assert split_units("市公安局、市应急局等") == ("市公安局", "市应急局")


# ---------------------------------------------------------------- indicator matching


@cache
def all_targets() -> list[Target]:
    return [t for plan in PLANS for t in facts(plan)[1]]


@pytest.mark.parametrize(
    ("question", "indicator"),
    [
        ("全科医生有多少", "每万人口全科医生数"),
        ("福山区2025年护士要达到多少", "每千人口注册护士数"),
        ("床位", "每千人口医疗卫生机构床位数"),
        ("预期寿命目标", "人均预期寿命"),
        ("吸烟", "15岁以上人群吸烟率"),
        ("近视", "青少年总体近视率"),
        ("托位", "每千人口3岁以下婴幼儿托位数"),
        ("药师", "每千人口药师（士）数"),
    ],
)
def test_match_indicator_best_first(question, indicator):
    hits = match_indicator(question, all_targets())
    assert hits and hits[0].indicator == indicator


def test_match_indicator_is_precise():
    gp = match_indicator("全科医生", all_targets())
    assert {t.indicator for t in gp} == {"每万人口全科医生数"}
    assert match_indicator("健康张店的主要任务是什么", all_targets()) == []
    assert match_indicator("今天天气怎么样", all_targets()) == []
    assert match_indicator("护士", []) == []


def test_a_review_table_keeps_target_and_achievement_apart():
    """`2015年 | 2020年目标 | 2020年完成`: 2015 is the base, the 完成 column is what was achieved, not a target."""
    raw = ("表1 某县“十三五”主要指标完成情况\n指标\t单位\t2015年\t2020年目标\t2020年完成\t完成情况\n"
           "人均预期寿命\t岁\t75.1\t76.5\t76.9\t已完成\n")
    recs = extract_targets("x", raw, parse_blocks(raw))
    assert [(t.value, t.target_year, t.achieved, t.baseline, t.baseline_year) for t in recs] == [
        ("76.5", "2020年", "76.9", "75.1", "2015年")]


def test_an_actual_column_is_still_the_baseline():
    raw = "主要指标\n指标\t单位\t2020年实际\t2025年目标\n每千人口床位数\t张\t5.1\t6.2\n"
    recs = extract_targets("x", raw, parse_blocks(raw))
    assert [(t.value, t.baseline, t.achieved) for t in recs] == [("6.2", "5.1", "")]

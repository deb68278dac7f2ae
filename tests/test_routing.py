"""Structured answers on the real index, and on a made-up plan from another district."""

from __future__ import annotations

import csv
import io
import re

import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.build import build_index
from assistant.cli import cli
from assistant.settings import Settings

OTHER_DISTRICT = """青川县“十四五”卫生健康发展规划（征求意见稿）

第一章 发展基础
“十三五”期间，全县卫生健康事业稳步发展。
第二章 发展目标
| 指标 | 单位 | 2020年 | 2025年 | 属性 |
| --- | --- | --- | --- | --- |
| 每千人口注册护士数 | 人 | 2.10 | 3.20 | 预期性 |
| 每万人口全科医生数 | 人 | 2.0 | 3.5 | 约束性 |
第三章 重点任务
第一节 急救能力提升
建设县急救指挥中心，到2025年，急救呼叫满足率达到98%。
由县卫生健康局牵头，县财政局、县应急管理局配合。
第二节 托育服务
到2025年，每千人口婴幼儿托位数达到4个。
| 任务 | 牵头单位 | 配合单位 |
| --- | --- | --- |
| 发展普惠托育服务 | 县卫生健康局 | 县发展和改革局、县教育局 |
"""


def numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def test_target_answer_numbers_are_in_the_cited_quote(assistant):
    answer = assistant.ask("济宁的规划里全科医生要到多少？")
    assert answer.kind == "target" and "4" in answer.text and "2.56" in answer.text
    first = answer.citations[0]
    assert "每万人口全科医生数" in first.quote
    line = answer.text.splitlines()[1]
    cited = "".join(c.quote for c in answer.citations if f"[{c.n}]" in line)
    assert numbers(line.split("[")[0]) <= numbers(cited), line


def test_fuzzy_indicator_names(assistant):
    for q, value in [("福山区护士目标", "4.05"), ("张店区床位到2025年多少", "7.74"), ("济宁市吸烟率目标", "＜20")]:
        assert value in assistant.ask(q).text, q


def test_duty_answer_lists_every_unit(assistant):
    answer = assistant.ask("福山区在急救体系方面谁牵头？")
    assert answer.kind == "duty"
    for unit in ["区卫生健康局", "区发展和改革委员会", "区教育和体育局", "区科技局", "区人力资源和社会保障局", "区财政局"]:
        assert unit in answer.text
    assert "（牵头部门：区卫生健康局；参与" in answer.citations[0].quote  # the note, across its page break


def test_english_duty_question(assistant):
    answer = assistant.ask("Who leads Fushan's work on smart healthcare (智慧医疗), and who takes part?")
    assert answer.kind == "duty" and "区卫生健康局" in answer.text and "区医保局" in answer.text


def test_unit_tasks_are_complete(assistant):
    answer = assistant.ask("福山区财政局参与了哪些任务？")
    assert answer.kind == "unit_tasks"
    expected = [d for d in assistant.duties if d.plan == "fushan-health-plan"
                and any("财政局" in u for u in (*d.lead, *d.participants, *d.responsible))]
    assert f"共{len(expected)}项" in answer.text
    assert len(answer.citations) >= len(expected)


def test_compare_across_plans(assistant):
    answer = assistant.ask("各地规划的每千人口注册护士数目标分别是多少？")
    assert answer.kind == "compare"
    for value in ("4.05", "4.25", "3.97"):
        assert value in answer.text
    assert len({c.plan for c in answer.citations[:3]}) == 3


def test_indicator_only_another_plan_has_is_not_invented(assistant):
    answer = assistant.ask("福山区规划中平急结合医院床位数要达到多少张？")
    assert answer.abstained and not answer.citations and not any(c.isdigit() for c in answer.text.split("\n")[0])


def test_missing_baseline_is_said(assistant):
    answer = assistant.ask("福山区2020年健康预期寿命是多少岁？")
    assert answer.abstained


def test_metadata_question(assistant):
    answer = assistant.ask("福山区这份规划的发文字号是什么？")
    assert answer.kind == "meta" and "烟福政办发〔2023〕7号" in answer.text
    assert "烟福政办发〔2023〕7号" in answer.citations[0].quote


def test_targets_and_duties_export_every_record(index_dir, assistant):
    runner = CliRunner()
    out = runner.invoke(cli, ["targets", "--index", str(index_dir), "--csv"])
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert len(rows) == len(assistant.targets) and {"indicator", "target", "baseline", "nature"} <= set(rows[0])
    out = runner.invoke(cli, ["duties", "--index", str(index_dir), "--unit", "区卫健局", "--csv"])
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert rows and all(re.search("卫生健康局|卫健局", r["lead"] + r["participants"] + r["responsible"]) for r in rows)


@pytest.fixture(scope="module")
def other(tmp_path_factory) -> Assistant:
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "qingchuan.md").write_text(OTHER_DISTRICT, encoding="utf-8")
    settings = Settings(index_dir=corpus.parent / "qc-index", corpus_dir=corpus)
    build_index(settings, log=lambda m: None)
    return Assistant.load(settings=settings)


def test_made_up_plan_metadata_targets_and_duties(other):
    plan = other.plans[0]
    assert (plan.jurisdiction, plan.status) == ("青川县", "征求意见稿")
    nurses = [t for t in other.targets if t.indicator == "每千人口注册护士数"]
    assert nurses and (nurses[0].value, nurses[0].baseline, nurses[0].nature) == ("3.20", "2.10", "预期性")
    answer = other.ask("青川县每千人口注册护士数2025年目标？")
    assert "3.20" in answer.text and "2.10" in answer.text
    answer = other.ask("青川县急救能力提升由谁牵头？")
    assert answer.kind == "duty" and "县卫生健康局" in answer.text and "县应急管理局" in answer.text
    answer = other.ask("青川县普惠托育服务的配合单位有哪些？")
    assert "县发展和改革局" in answer.text and "县教育局" in answer.text


WORDED_NOT_READ = """苍溪县“十四五”卫生健康发展规划

第三章 重点任务
第一节 监测评估
建立规划监测评估机制，卫生健康部门负责牵头制订规划监测评估方案，开展年度监测。
"""
NO_DUTIES = """旺苍县“十四五”卫生健康发展规划

第三章 重点任务
第一节 监测评估
建立规划监测评估机制，开展年度监测和中期评估。
"""
MAIN_RESPONSIBILITY = """剑阁县“十四五”卫生健康发展规划

第三章 重点任务
第一节 基层服务
推进乡镇卫生院标准化建设，到2025年全部达到服务能力基本标准。
主要责任单位：县卫生健康局；协同单位：县财政局、县医保局
第二节 疾控体系
（1）优化疾控职能。推进县疾控中心实验室标准化建设，配齐检验设备。
（2）充实疾控队伍。按人口规模核定疾控机构人员编制。
责任单位：县卫生健康局牵头，县委编办配合

第四章 保障措施
第一节 加强组织领导
县委县政府对全县卫生健康事业发展负总责。县卫生健康局要切实履行规划实施的主体责任，会同有关部门制定年度实施计划。
"""


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> Assistant:
    corpus = tmp_path_factory.mktemp("corpus3")
    for name, text in (("cangxi", WORDED_NOT_READ), ("wangcang", NO_DUTIES), ("jiange", MAIN_RESPONSIBILITY)):
        (corpus / f"{name}.md").write_text(text, encoding="utf-8")
    settings = Settings(index_dir=corpus.parent / "three-index", corpus_dir=corpus)
    build_index(settings, log=lambda m: None)
    return Assistant.load(settings=settings)


def test_not_listed_is_said_only_of_a_plan_that_words_no_duty(three):
    assert "未列明各项任务" in three.ask("旺苍县规划监测评估由哪个部门牵头？").text
    answer = three.ask("苍溪县规划监测评估方案由哪个部门牵头制订？")
    assert "未列明" not in answer.text and "卫生健康部门" in answer.text


def test_main_responsible_line_and_main_responsibility_prose(three):
    answer = three.ask("剑阁县乡镇卫生院标准化建设的主要责任单位和协同单位是谁？")
    assert answer.kind == "duty" and all(u in answer.text for u in ("县卫生健康局", "县财政局", "县医保局"))
    answer = three.ask("剑阁县“十四五”卫生健康规划实施的主体责任由哪个部门承担？")
    assert answer.kind == "duty" and "责任单位：县卫生健康局" in answer.text and "县财政局" not in answer.text
    assert "责任单位：县委县政府" not in answer.text  # the task's other duty does not state this topic
    answer = three.ask("剑阁县疾控中心实验室标准化建设由谁牵头？")  # the note after items （1）（2） covers both
    assert answer.kind == "duty" and "牵头：县卫生健康局；参与：县委编办" in answer.text
    answer = three.ask("剑阁县卫生健康事业发展由谁负总责？")
    assert answer.kind == "duty" and "责任单位：县委县政府" in answer.text


def test_english_words_for_disease_control_and_sub_centres():
    from assistant.glossary import chinese_terms

    assert "疾病预防控制" in chinese_terms("Who leads disease prevention and control?")
    assert "次中心" in chinese_terms("the county-level medical sub-centre")
    assert "妇幼保健院" in chinese_terms("relocating the maternal and child health hospital")

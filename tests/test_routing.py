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
    assert answer.abstained and "未提及" in answer.text and not answer.citations


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

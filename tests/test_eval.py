"""The eval runner's scoring rules (strict and loose), the question files, and the regression gate."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import cli
from eval.check import main as check_main
from eval.check import resolve
from eval.runner import (
    Item,
    Result,
    answer_correct,
    answer_correct_loose,
    asked_indicator,
    evaluate,
    evidence_rank,
    is_wrong,
    load_items,
    metrics,
    norm,
)

EVAL = Path(__file__).resolve().parent.parent / "eval"
QUESTIONS = EVAL / "questions"


def item(**kw) -> Item:
    base = dict(id="x", type="target", question="q", answers=("4.05",), aliases={}, evidence=("4.05",), doc=("d",))
    base.update(kw)
    return Item(**base)


def result(**kw) -> Result:
    base = dict(id="x", type="target", question="q", correct=True, correct_loose=True, abstained=False,
                evidence_rank=1, latency_ms=1.0, expected=(), said="")
    base.update(kw)
    return Result(**base)


def test_norm_removes_whitespace_and_folds_width():
    assert norm("区\n\n水利局 １２％") == "区水利局12%"


def test_answer_needs_every_answer_or_an_alias():
    it = item(type="responsibility", answers=("区卫生健康局", "区医保局"), aliases={"区医保局": ["区医疗保障局"]})
    assert answer_correct(it, "牵头：区卫生健康局；参与：区医疗保障局")
    assert not answer_correct(it, "牵头：区卫生健康局")


def test_strict_ignores_the_sources_line():
    it = item(type="locate", answers=("加强急救体系建设",), evidence=("加强急救体系建设",))
    text = "据《规划》：\n在臧家庄卫生院新设一所医疗急救站点。[1]\n出处：[1] 规划 › 三、主要任务 › 23. 加强急救体系建设"
    assert not answer_correct(it, text)
    assert answer_correct_loose(it, text)


def test_numbers_match_with_boundaries():
    it = item(type="fact", answers=("3.1",), evidence=("3.1",))
    assert not answer_correct(it, "目标 13.1")
    assert not answer_correct(it, "截至2023.1月")
    assert not answer_correct(it, "达到3.15")
    assert answer_correct(it, "达到3.1人")
    assert answer_correct(it, "2.57 3.1")  # a space separates two numbers
    assert answer_correct_loose(it, "目标 13.1")


def test_target_figure_must_sit_beside_the_asked_indicator():
    it = item(question="福山区到2025年每千人口注册护士数要达到多少？", answers=("4.05",),
              evidence=("每千人口注册护士数\t人\t2.57\t4.05",))
    assert asked_indicator(it) == "每千人口注册护士数"
    assert answer_correct(it, "每千人口注册护士数：2025年目标 4.05人")
    assert not answer_correct(it, "每千人口执业医师数：2025年目标 4.05人\n每千人口注册护士数：2025年目标 3.9人")


def test_wrong_answer_rate_counts_answers_not_refusals():
    rs = [result(), result(correct=False, correct_loose=False), result(correct=False, abstained=True),
          result(type="unanswerable", correct=False, evidence_rank=None),
          result(type="unanswerable", correct=True, abstained=True, evidence_rank=None)]
    assert [is_wrong(r) for r in rs] == [False, True, False, True, False]
    m = metrics(rs)
    assert m.wrong_rate == 2 / 5 and m.abstention == 0.5 and m.false_refusals == 1 / 3


def test_evidence_rank_is_where_all_evidence_has_been_cited():
    it = item(evidence=("每千人口注册护士数\t人\t2.57\t4.05", "3.97"))
    quotes = ["无关", "13 每千人口注册护士数 人 2.57 4.05 预期性", "x", "3.97"]
    assert evidence_rank(it, quotes) == 4
    assert evidence_rank(it, quotes[:3]) is None


def test_load_items_names_a_bad_line(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "type": "target", "question": "q", "answers": []}\n{oops\n', encoding="utf-8")
    try:
        load_items(f)
    except ValueError as exc:
        assert "q.jsonl:2:" in str(exc)
    else:
        raise AssertionError("bad line accepted")


def test_resolver_finds_loosely_typed_evidence():
    text = "每千人口注册护士数\t人\t2.57\t４.05\n"
    assert resolve("每千人口注册护士数 人 2.57 4.05", text) == ["每千人口注册护士数\t人\t2.57\t４.05"]
    assert resolve("不存在", text) == []


def test_question_files_are_valid():
    """Every evidence is exact plan text holding its answers; every category has its unanswerable items."""
    assert check_main([]) == 0


def test_gate_on_the_known_answer_set(assistant):
    """Fails when any gated figure is worse than its stored threshold (eval/thresholds.json)."""
    gate = json.loads((EVAL / "thresholds.json").read_text(encoding="utf-8"))
    overall = evaluate(assistant, QUESTIONS)["full"]["overall"]
    print(f"\neval: wrong {overall['wrong_rate']:.3f}  accuracy {overall['accuracy']:.3f}  hit@5 "
          f"{overall['hit'][5]:.3f}  abstention {overall['abstention']:.3f}  refusals {overall['false_refusals']:.3f}")
    assert overall["wrong_rate"] <= gate["wrong_rate_max"]
    assert overall["accuracy"] >= gate["accuracy"]
    assert overall["hit"][5] >= gate["hit@5"]
    assert overall["abstention"] >= gate["abstention"]
    assert overall["false_refusals"] <= gate["false_refusals_max"]


def test_eval_cli_reports_wrong_rate_categories_and_loose(index_dir, tmp_path):
    q = tmp_path / "q.jsonl"
    lines = (QUESTIONS / "adversarial-seed.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    q.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["eval", str(q), "--index", str(index_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "wrong" in res.output and "category " in res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["scoring"] == "strict" and "wrong_rate" in data["overall"] and data["by_category"]
    loose = CliRunner().invoke(cli, ["eval", str(q), "--index", str(index_dir), "--loose", "--json"])
    assert json.loads(loose.output)["scoring"] == "loose"


def test_eval_cli_compare_prints_four_modes(index_dir, tmp_path):
    q = tmp_path / "q.jsonl"
    lines = (QUESTIONS / "seed.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    q.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["eval", str(q), "--index", str(index_dir), "--compare", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert set(json.loads(out.read_text(encoding="utf-8"))) == {"bm25", "dense", "hybrid", "full"}


def test_a_baseline_given_as_the_target_is_wrong():
    it = item(question="福山区到2025年每千人口注册护士数要达到多少？", answers=("4.05",),
              evidence=("每千人口注册护士数\t人\t2.57\t4.05",))
    assert answer_correct(it, "到2025年，每千人口注册护士数达到4.05人")
    assert not answer_correct(it, "每千人口注册护士数：2025年目标 2.57人，2020年基期 4.05")

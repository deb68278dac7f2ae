"""The eval runner's scoring rules, and the regression gate on eval/questions.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import cli
from eval.runner import Item, answer_correct, evaluate, evidence_rank, load_items, norm

EVAL = Path(__file__).resolve().parent.parent / "eval"


def item(**kw) -> Item:
    base = dict(id="x", type="target", question="q", answers=("4.05",), aliases={}, evidence=("4.05",), doc=("d",))
    base.update(kw)
    return Item(**base)


def test_norm_removes_whitespace_and_folds_width():
    assert norm("区\n\n水利局 １２％") == "区水利局12%"


def test_answer_needs_every_answer_or_an_alias():
    it = item(answers=("区卫生健康局", "区医保局"), aliases={"区医保局": ["区医疗保障局"]})
    assert answer_correct(it, "牵头：区卫生健康局；参与：区医疗保障局")
    assert not answer_correct(it, "牵头：区卫生健康局")


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
        assert ":2:" in str(exc)
    else:
        raise AssertionError("bad line accepted")


def test_gate_on_the_known_answer_set(assistant):
    """Fails when answer accuracy or evidence hit@5 falls below the stored thresholds."""
    gate = json.loads((EVAL / "thresholds.json").read_text(encoding="utf-8"))
    overall = evaluate(assistant, EVAL / "questions.jsonl")["full"]["overall"]
    print(f"\neval: accuracy {overall['accuracy']:.3f}  hit@5 {overall['hit'][5]:.3f}")
    assert overall["accuracy"] >= gate["accuracy"]
    assert overall["hit"][5] >= gate["hit@5"]


def test_eval_cli_compare_prints_three_modes(index_dir, tmp_path):
    q = tmp_path / "q.jsonl"
    lines = (EVAL / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    q.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["eval", str(q), "--index", str(index_dir), "--compare", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "bm25" in res.output and "dense" in res.output and "hybrid" in res.output and "full" in res.output
    assert set(json.loads(out.read_text(encoding="utf-8"))) == {"bm25", "dense", "hybrid", "full"}


def test_question_file_is_valid():
    """Every evidence is exact plan text, every answer (or alias) is in its evidence, counts are met."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, str(EVAL / "check_questions.py")], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "problems: 0" in res.stdout

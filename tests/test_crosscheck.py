"""Hand-scored cases for the independent cross-check scorer (eval/crosscheck.py)."""
import json

import pytest

from eval import crosscheck as cc


def cite(*quotes):
    return [{"n": i + 1, "doc": "x.txt", "section": "s", "quote": q} for i, q in enumerate(quotes)]


QUESTIONS = [
    # full-width digits in the answer text; evidence with tabs/full-width brackets cited first (rank 1)
    {"id": "q1", "type": "target", "doc": "fushan.txt", "answers": ["3.85"], "aliases": {},
     "evidence": "每千人口执业（助理）医师数\t人\t2.6\t3.85"},
    # alias match (区卫健局); evidence broken by a newline, third passage (rank 3)
    {"id": "q2", "type": "responsibility", "doc": "fushan.txt", "answers": ["区卫生健康局", "区医保局"],
     "aliases": {"区卫生健康局": ["区卫健局"], "区医保局": ["区医疗保障局"]},
     "evidence": "（牵头部门：区卫生健康局；参与部门：区医保局）"},
    # whitespace-broken answer text; evidence in the 3rd nearby passage (rank 5)
    {"id": "q3", "type": "fact", "doc": "fushan.txt", "answers": ["区人民医院"], "aliases": {},
     "evidence": "新建区人民医院门诊楼"},
    # multi-evidence (list) compare item: evidence at ranks 1 and 2 -> rank 2; only one of two answers given
    {"id": "q4", "type": "compare", "doc": ["a.txt", "b.txt"], "answers": ["81.5", "80"], "aliases": {},
     "evidence": ["人均预期寿命达到81.5岁", "人均预期寿命达到80岁"]},
    # unanswerable but answered -> wrong
    {"id": "q5", "type": "unanswerable", "doc": "fushan.txt", "answers": [], "aliases": {}, "evidence": "",
     "category": "amount-not-given"},
    # unanswerable, abstained -> correct
    {"id": "q6", "type": "unanswerable", "doc": "fushan.txt", "answers": [], "aliases": {}, "evidence": "",
     "category": "wrong-year"},
    # answerable but refused -> false refusal, not wrong; no passages -> rr 0
    {"id": "q7", "type": "target", "doc": "fushan.txt", "answers": ["7.5"], "aliases": {},
     "evidence": "每千人口医疗卫生机构床位数\t张\t5.2\t7.5", "category": "wrong-year"},
]

ANSWERS = [
    {"id": "q1", "text": "到2025年目标为 ３．８５ 人。", "abstained": False,
     "citations": cite("每千人口执业(助理)医师数 人 2.6 3.85 预期性"), "nearby": [],
     "timings": {"total_ms": 10.0}},
    {"id": "q2", "text": "牵头部门：区卫健局；参与部门：区医保局。", "abstained": False,
     "citations": cite("无关段落一", "无关段落二", "二十五、智慧医疗（牵头部门：区卫生健康局；\n参与部门：区医保局）"),
     "nearby": [], "timings": {"total_ms": 20.0}},
    {"id": "q3", "text": "由区 人民\n医院 负责。", "abstained": False,
     "citations": cite("甲", "乙"), "nearby": cite("丙", "丁", "新建区人民医院 门诊楼。"),
     "timings": {"total_ms": 30.0}},
    {"id": "q4", "text": "甲地为81.5岁。", "abstained": False,
     "citations": cite("人均预期寿命达到 81.5 岁左右", "人均预期寿命达到８０岁"),
     "nearby": [], "timings": {"total_ms": 40.0}},
    {"id": "q5", "text": "投资 3 亿元。", "abstained": False, "citations": [], "nearby": [],
     "timings": {"total_ms": 50.0}},
    {"id": "q6", "text": "规划未说明。", "abstained": True, "citations": [], "nearby": [],
     "timings": {"total_ms": 60.0}},
    {"id": "q7", "text": "规划未说明这一点（7.5 为另一年份）。", "abstained": True, "citations": [], "nearby": [],
     "timings": {"total_ms": 70.0}},
]


def write(tmp_path, name, rows):
    p = tmp_path / name
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return p


@pytest.fixture
def report(tmp_path):
    return cc.score(cc.load(write(tmp_path, "q.jsonl", QUESTIONS)), cc.load(write(tmp_path, "a.jsonl", ANSWERS)))


def test_items(report):
    it = {r["id"]: r for r in report["items"]}
    assert it["q1"]["correct"] and it["q1"]["rank"] == 1            # full-width digits
    assert it["q2"]["correct"] and it["q2"]["rank"] == 3            # alias + newline in evidence
    assert it["q3"]["correct"] and it["q3"]["rank"] == 5            # whitespace-broken answer, nearby
    assert not it["q4"]["correct"] and it["q4"]["wrong"] and it["q4"]["rank"] == 2   # list evidence
    assert it["q5"]["wrong"] and not it["q5"]["correct"]            # unanswerable answered
    assert it["q6"]["correct"] and not it["q6"]["wrong"]
    assert it["q7"]["false_refusal"] and not it["q7"]["correct"] and not it["q7"]["wrong"]
    assert it["q7"]["rank"] is None and it["q7"]["rr"] == 0.0


def test_overall(report):
    o = report["overall"]
    assert (o["n"], o["answerable"], o["unanswerable"]) == (7, 5, 2)
    assert o["accuracy"] == 60.0                                     # q1 q2 q3 of 5
    assert (o["hit@1"], o["hit@3"], o["hit@5"]) == (20.0, 60.0, 80.0)
    assert o["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 5 + 1 / 2 + 0) / 5, abs=1e-4)
    assert o["false_refusal"] == 20.0
    assert o["abstention"] == 50.0
    assert o["wrong_rate"] == pytest.approx(100 * 2 / 7, abs=0.01)  # q4 + q5 over 7
    assert (o["latency_p50_ms"], o["latency_p95_ms"]) == (40.0, 70.0)


def test_by_type_and_category(report):
    t = report["by_type"]
    assert t["target"]["accuracy"] == 50.0 and t["target"]["false_refusal"] == 50.0
    assert t["target"]["mrr"] == 0.5 and t["target"]["wrong_rate"] == 0.0
    assert t["compare"]["accuracy"] == 0.0 and t["compare"]["hit@1"] == 0.0 and t["compare"]["hit@3"] == 100.0
    assert t["unanswerable"]["abstention"] == 50.0 and t["unanswerable"]["accuracy"] is None
    assert t["unanswerable"]["wrong_rate"] == 50.0
    c = report["by_category"]
    assert c["wrong-year"]["n"] == 2 and c["wrong-year"]["abstention"] == 100.0
    assert c["wrong-year"]["wrong_rate"] == 0.0 and c["amount-not-given"]["wrong_rate"] == 100.0


def test_list_evidence_needs_every_string():
    q = {"evidence": ["甲乙", "丙丁"]}
    assert cc.evidence_rank(q, [cc.norm("甲 乙"), "x", cc.norm("丙\n丁")]) == 3
    assert cc.evidence_rank(q, [cc.norm("甲 乙"), "x"]) is None


def test_missing_answer_counts_as_refusal(tmp_path):
    rep = cc.score(QUESTIONS[:1], [])
    assert rep["missing"] == ["q1"] and rep["overall"]["false_refusal"] == 100.0
    assert rep["overall"]["wrong_rate"] == 0.0


def test_cli_json(tmp_path, capsys):
    q, a = write(tmp_path, "q.jsonl", QUESTIONS), write(tmp_path, "a.jsonl", ANSWERS)
    assert cc.main([str(q), str(a), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overall"]["accuracy"] == 60.0 and "items" not in out
    assert cc.main([str(q), str(a)]) == 0
    assert "overall" in capsys.readouterr().out

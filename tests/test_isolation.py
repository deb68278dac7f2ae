"""Issue 12, "done when": adding made-up plans in every fixture style changes no answer about the other plans.

The same questions about the corpus plans are asked of an index of corpus/ alone and of the session index of
corpus/ plus every style fixture; each answer's text and abstained flag must be identical (keyword statistics are per scope and
question words are weighted by a fixed table: assistant/lexicon.py).
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import CORPUS, FIXTURES

# Each names its corpus plan; targets, duties, locate and questions the plans do not answer.
QUESTIONS = (
    "福山区到2025年人均预期寿命目标是多少？",
    "济宁市“十四五”期间孕产妇死亡率要控制在多少？",
    "张店区规划中每千人口医疗卫生机构床位数2025年要达到多少？",
    "乐山市市中区到2025年每千人注册护士数要达到多少？",
    "济宁市2025年居民健康素养水平目标是多少？",
    "福山区每千人口执业（助理）医师数2020年是多少？",
    "张店区15岁以上人群吸烟率的目标值是多少？",
    "乐山市市中区肺结核发病率到2025年控制在多少？",
    "济宁市对青少年总体近视率有什么要求？",
    "What is Fushan's 2025 target for the infant mortality rate?",
    "福山区加强公共卫生服务体系及机制建设由哪个部门牵头？",
    "济宁市强化突发公共卫生事件应急指挥能力的参与部门有哪些？",
    "张店区推进分级诊疗落地的责任单位是谁？",
    "张店区全面实行智慧医疗由哪些单位负责？",
    "福山区改革完善公共卫生教育培训体系谁牵头？",
    "济宁市完善医防协同机制的牵头部门是哪个？",
    "乐山市市中区规划里哪一部分讲数字卫生健康发展？",
    "济宁市规划中哪一部分讲保障措施？",
    "福山区规划哪里讲医疗服务重点提升项目？",
    "乐山市市中区规划哪一节讲加强医疗卫生项目建设？",
    "福山区规划中质子重离子医院的投资金额是多少？",
    "济宁市到2025年航空医疗救援直升机配备多少架？",
    "张店区规划规定的2030年人均预期寿命目标是多少？",
    "乐山市市中区由谁任命公立医院院长？",
    "张店区卫生与健康规划中每万人口全科医生数2035年要达到多少？",
    "福山区医护比到2025年是多少？",
    "济宁市养老机构护理型床位占比2025年要达到多少？",
    "乐山市市中区每千人口药师数2025年是多少？",
)


@pytest.fixture(scope="module")
def corpus_only(index_dir, tmp_path_factory):
    """An index of corpus/ alone, written over a copy of the session index so its vectors are reused."""
    from assistant import Assistant
    from assistant.build import build_index
    from assistant.settings import Settings

    out = tmp_path_factory.mktemp("corpus-only") / "idx"
    shutil.copytree(index_dir, out)
    build_index(Settings(index_dir=out, corpus_dir=CORPUS), log=lambda m: None)
    return Assistant.load(out)


@pytest.mark.slow
def test_both_indexes_hold_what_they_should(assistant, corpus_only):
    stems = {p.stem for p in FIXTURES.glob("*.txt")}
    assert stems <= {p.id for p in assistant.manifest.plans}
    assert not stems & {p.id for p in corpus_only.manifest.plans}
    assert sum(not corpus_only.ask(q).abstained for q in QUESTIONS) >= 15, "too few answered to compare"


@pytest.mark.slow
@pytest.mark.parametrize("question", [pytest.param(q, id=f"q{n:02d}") for n, q in enumerate(QUESTIONS)])
def test_style_fixtures_change_no_answer_about_the_corpus_plans(assistant, corpus_only, question):
    alone, mixed = corpus_only.ask(question), assistant.ask(question)
    assert (alone.text, alone.abstained) == (mixed.text, mixed.abstained), (
        f"{question}\n  corpus only ({'abstained' if alone.abstained else 'answered'}): {alone.text!r}"
        f"\n  with fixtures ({'abstained' if mixed.abstained else 'answered'}): {mixed.text!r}")

"""Overview answers for a broad topic: sections per plan, each citing a plan sentence that names the topic."""

from __future__ import annotations

import re

import pytest

from assistant import Assistant, overview
from assistant.build import build_index
from assistant.parse import SEP
from assistant.settings import Settings
from assistant.text import flat
from assistant.verify import writes

# Two made-up plans in other provinces' styles (own words, made-up figures): the first discusses 托育 in one
# section (whose first passage never writes the word) and has a neighbouring section on children's health
# that never writes it; the second never does.
MANAS = """玛纳斯县“十四五”卫生健康事业发展规划

第一章 发展基础
“十三五”期间，全县新建乡镇卫生院4所，基层服务条件明显改善。
第二章 重点任务
第一节 儿童健康
加强儿童保健门诊建设，每个乡镇卫生院配备儿童保健医生2名。
开展幼儿园儿童视力和口腔筛查，建立儿童健康档案。
第二节 普惠托育服务
完善家庭养育指导服务，依托乡镇卫生院和社区卫生服务站开展科学育儿讲座，每年举办讲座不少于24场。推动社区嵌入式服务设施建设，在新建居住区同步规划儿童活动场地，老旧小区结合改造补齐场地短板。加强对家长的健康教育，编印育儿知识手册，发放到每个有3岁以下儿童的家庭。鼓励妇联、工会和共青团组织志愿者参与家庭养育指导，形成部门协同、社会参与的工作格局。建立养育指导人员培训制度，每年培训基层指导人员200人次，提升指导服务的专业水平。探索将养育指导纳入家庭医生签约服务内容，为有需要的家庭提供上门指导。定期开展养育指导服务满意度调查，根据群众反馈改进服务方式和内容。加强县妇幼保健院对基层养育指导工作的业务指导和质量控制。
到2025年，新建普惠托育机构6家，每千人口托位数达到3.1个。
支持用人单位为职工提供托育服务。
第三节 中医药服务
县中医医院建成名医工作室3个，乡镇卫生院全部设置中医馆。
"""

WUCHUAN = """吴川市“十四五”卫生健康事业发展规划

第一章 规划背景
全市有公立医院6家，床位总数达到2860张。
第二章 主要任务
第一节 提升急救能力
建设市急救指挥中心，镇级急救站点覆盖率达到100%。
第二节 中医药服务
推进市中医院迁建，打造岭南中医药特色专科5个。
"""


@pytest.fixture(scope="module")
def made_up(tmp_path_factory) -> Assistant:
    corpus = tmp_path_factory.mktemp("ov-corpus")
    (corpus / "manas.txt").write_text(MANAS, encoding="utf-8")
    (corpus / "wuchuan.txt").write_text(WUCHUAN, encoding="utf-8")
    settings = Settings(index_dir=corpus.parent / "ov-index", corpus_dir=corpus)
    build_index(settings, log=lambda m: None)
    return Assistant.load(settings=settings)


def _listed(ans) -> list[tuple[str, str, str]]:
    """(plan, section path, cited sentence as the answer line quotes it) of every listed section."""
    out = []
    for c in ans.citations:
        line = next(ln for ln in ans.text.splitlines() if ln.endswith(f"[{c.n}]"))
        parts = c.section.split(SEP)  # a heading that names the topic stands for its subsections
        shown = next(p for p in (SEP.join(parts[:k]) for k in range(len(parts), 0, -1)) if line.startswith(f"- {p}："))
        out.append((c.plan, shown, line[len(f"- {shown}："):-len(f"[{c.n}]")]))
    return out


def _names(words: list[str], text: str) -> bool:
    return all(writes(w, flat(text)) for w in words)


# -- which questions are overviews ---------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["养老", "婴幼儿照护", "中医药发展有哪些内容？", "规划里关于心理健康讲了什么",
                               "Elderly care", "福山区规划关于养老讲了什么", "托育服务方面",
                               "What does the Hainan plan say about TCM?"])
def test_broad_topics_are_overviews(q):
    assert overview.is_overview(q)


@pytest.mark.parametrize("q", ["养老床位到2025年多少张", "谁负责养老服务", "哪一章讲养老", "福山区养老工作由哪个部门牵头？",
                               "规划什么时候印发的", "健康张店意见中，紧密型医共体的成员单位有哪些？", "2025年托位数是多少",
                               "医养结合机构是否要达到3家？", "How many hospital beds per 1,000 people?",
                               "托育服务有哪些内容？到2025年有多少托位？", "十三五期间养老", "养老机构护理型床位占百分之几",
                               "养老服务牵头部门", "规划文号", "养老写在哪里"])
def test_figure_year_duty_locate_questions_are_not_overviews(q):
    assert not overview.is_overview(q)


def test_figure_question_takes_its_usual_path(assistant):
    assert assistant.ask("养老床位到2025年多少张").kind != "overview"


# -- what an overview lists ------------------------------------------------------------------------------------

def test_topic_in_several_plans_lists_each_with_cited_sentences(assistant):
    ans = assistant.ask("婴幼儿照护")
    assert ans.kind == "overview" and not ans.abstained
    plans = [c.plan for c in ans.citations]
    assert len(set(plans)) >= 2
    order = [p.id for p in assistant.plans]
    assert plans == sorted(plans, key=order.index)  # plan by plan, in the index's order
    for pid in set(plans):  # within a plan, in document order
        starts = [c.start for c in ans.citations if c.plan == pid]
        assert starts == sorted(starts)
    chunks = {c.id: c for c in assistant.chunks}
    for c, (plan, section, sentence) in zip(ans.citations, _listed(ans)):
        assert c.quote == assistant.texts[plan][c.start:c.end]  # exact plan text
        (a, b), = c.highlights
        assert c.start <= a < b <= c.end and sentence in chunks[c.chunk].text  # the sentence marked in it
        assert _names(["婴幼儿", "照护"], section) or _names(["婴幼儿", "照护"], sentence)
        assert f"《{c.title}》" in ans.text
    body = ans.text.split("\n出处：")[0]
    absent = re.search(r"未涉及：(.+)", body)
    assert absent
    for p in assistant.plans:  # a plan said not to discuss it writes the topic in no sentence
        if f"《{p.title}》" in absent.group(1):
            assert p.id not in plans
            assert not any(_names(["婴幼儿", "照护"], s) for c in assistant._by_plan[p.id]
                           for s in re.split(r"[。；\n]", c.text))


def test_answers_are_deterministic(assistant):
    assert assistant.ask("规划里关于心理健康讲了什么").text == assistant.ask("规划里关于心理健康讲了什么").text


def test_generic_words_of_the_topic_are_not_required_and_pieces_do_not_count(assistant):
    """中医药发展: 发展 is written everywhere and names no topic; 中医药 must be written whole (医药卫生体制改革
    writes 医药, not 中医药)."""
    ans = assistant.ask("中医药发展有哪些内容？")
    assert ans.kind == "overview" and not ans.abstained
    listed = _listed(ans)
    assert all("中医药" in flat(section) or "中医药" in flat(sentence) for _, section, sentence in listed)
    assert any("发展" not in flat(section + sentence) for _, section, sentence in listed)
    for c, (_, _, sentence) in zip(ans.citations, listed):  # a heading written as a sentence is not what is cited
        assert flat(sentence).rstrip("。") not in {flat(h) for h in c.section.split(SEP)}


def test_many_sections_are_capped_per_plan(assistant):
    ans = assistant.ask("中医药发展有哪些内容？")
    per_plan = {}
    for c in ans.citations:
        per_plan[c.plan] = per_plan.get(c.plan, 0) + 1
    assert max(per_plan.values()) <= overview.MAX_SECTIONS
    more = re.findall(r"另有 (\d+) 节", ans.text)
    assert more and all(int(n) > 0 for n in more)
    topic = overview.distinctive(overview.topic_in("中医药发展有哪些内容？", "中医药发展有哪些内容？"),
                                 assistant.chunks)
    jining = overview.sections_about(topic, assistant._by_plan["jining-health-plan"])
    assert len(jining) > overview.MAX_SECTIONS
    assert f"另有 {len(jining) - overview.MAX_SECTIONS} 节" in ans.text


def test_english_overview(assistant):
    for q in ("Elderly care", "What does the Lianjiang plan say about elderly care?"):  # plan is no topic word
        ans = assistant.ask(q)
        assert ans.kind == "overview" and not ans.abstained and "\nSources: " in ans.text
        assert all("老年" in flat(section) or "老年" in flat(sentence) for _, section, sentence in _listed(ans))


def test_english_topic_is_any_of_its_plan_terms(assistant):
    """mental health → 精神卫生 or 心理健康: a section that writes one of them discusses it."""
    listed = _listed(assistant.ask("mental health"))
    said = [flat(section + sentence) for _, section, sentence in listed]
    assert all("精神卫生" in s or "心理健康" in s for s in said)
    assert any("精神卫生" not in s for s in said) and any("心理健康" not in s for s in said)


def test_named_place_restricts_to_its_plan(assistant):
    ans = assistant.ask("福山区规划关于养老讲了什么")
    assert ans.kind == "overview" and not ans.abstained
    assert {c.plan for c in ans.citations} == {"fushan-health-plan"}
    assert "未涉及" not in ans.text  # one plan in scope, and it discusses the topic


def test_topic_in_no_plan_abstains_with_closest_passages(assistant):
    for q in ("航天医学有哪些内容？", "口腔托育"):  # a word no plan writes; words no sentence writes together
        ans = assistant.ask(q)
        assert ans.abstained and not ans.citations and ans.nearby
        assert ans.text.startswith("未在所选规划中找到相关内容")


# -- a made-up plan: a high-ranking section that does not write the topic ------------------------------------

def test_section_that_ranks_high_without_the_topic_is_not_listed(made_up):
    q = "托育服务有哪些内容"
    ans = made_up.ask(q)
    assert ans.kind == "overview" and not ans.abstained
    listed = _listed(ans)
    assert [s for _, s, _ in listed] == [SEP.join(("第二章重点任务", "第二节普惠托育服务"))]
    assert "托育" in listed[0][2]  # the section's first passage does not write it: a later sentence is cited
    assert len([c for c in made_up.chunks if "普惠托育服务" in c.section[-1]]) > 1
    near = [made_up.chunks[h.row] for h in made_up.retrieve(q, [], 5)]
    without = [c for c in near if "托育" not in c.text]
    assert without  # passages that rank high for the question without writing its topic …
    assert not {SEP.join(c.section) for c in without} & {s for _, s, _ in listed}  # … are not listed
    wuchuan = next(p for p in made_up.plans if "吴川" in p.title)
    assert f"未涉及：《{wuchuan.title}》" in ans.text


def test_made_up_plans_each_listed_in_order(made_up):
    ans = made_up.ask("中医药服务")
    assert ans.kind == "overview"
    titles = [c.title for c in ans.citations]
    assert len(titles) == 2 and titles == [p.title for p in made_up.plans if p.title in titles]
    assert "未涉及" not in ans.text

"""LLM mode: every verification rule (a positive and a negative case each), the fall-backs, and the UI callbacks.

The LLM is ``tests/fake_llm.py``: a real local OpenAI-compatible server with canned replies, standing in
for the user's LLM because none can run here. Answers and passages are made up for these tests.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from fake_llm import FakeLLM

from assistant.answer import Answer, Citation
from assistant.llm import ERROR_NOTE, FALLBACK_NOTE, Writer, messages, rewrite, rewrite_steps
from assistant.llm_verify import sentences, unit_mentions, verify
from assistant.settings import Settings
from ui.llm_ui import STREAMING_NOTE, LLMHandlers, render_rewrite
from ui.render import MARK_OK, MARK_WARN, render_answer

TITLE = "盐边县“十四五”卫生健康事业发展规划"
GOALS = "到2025年，全县孕产妇系统管理率达到87%，每千人口执业（助理）医师数达到3.2人。"
DUTY = "建设县急救指挥调度中心，急救呼叫满足率达到100%。（牵头部门：县卫生健康局；参与部门：县财政局、县医疗保障局）"
OTHER = "实施健康扶贫工程，贫困人口家庭医生签约率达到99%。"  # retrieved, not cited
TABLE = "主要发展指标\n序号\t指标\t单位\t2020年\t2025年\t属性\n7\t每千人口注册护士数\t人\t2.4\t3.9\t预期性"


def _cite(n: int, quote: str, section: str = "二、发展目标", plan: str = "yb", title: str = TITLE) -> Citation:
    return Citation(n, f"{plan}.txt", plan, title, section, quote, 100 * n, 100 * n + len(quote), f"c{n}")


def goal_answer() -> Answer:
    text = f"据《{TITLE}》：\n{GOALS}[1]\n{DUTY}[2]\n出处：[1] {TITLE} › 二、发展目标；[2] {TITLE} › 三、主要任务"
    return Answer("孕产妇系统管理率要达到多少？", text, False,
                  (_cite(1, GOALS), _cite(2, DUTY, "三、主要任务 › （一）完善院前急救体系"), _cite(3, OTHER)), (), ("yb",), "target")


def duty_answer() -> Answer:
    text = f"据《{TITLE}》：\n“（一）完善院前急救体系”——牵头：县卫生健康局；参与：县财政局、县医疗保障局。[1]\n出处：[1] {TITLE}"
    return Answer("院前急救体系由哪个部门牵头？", text, False, (_cite(1, DUTY, "三、主要任务 › （一）完善院前急救体系"),),
                  (), ("yb",), "duty")


def kept(text: str, answer: Answer | None = None) -> list[str]:
    return [k.text for k in verify(text, answer or goal_answer()).kept]


# -- numbers, units, years -----------------------------------------------------------------------


def test_number_with_its_unit_must_be_in_the_cited_passage():
    assert kept("孕产妇系统管理率到2025年要达到87%[1]。") == ["孕产妇系统管理率到2025年要达到87%[1]。"]
    verdict = verify("孕产妇系统管理率到2025年要达到85%[1]。", goal_answer())
    assert not verdict.kept and "85%" in verdict.dropped[0].reason
    assert kept("孕产妇系统管理率要达到87人[1]。") == []  # right number, wrong unit
    assert kept("每千人口执业（助理）医师数达到3.2人[1]。") != [] and kept("每千人口执业（助理）医师数达到3.25人[1]。") == []


def test_thousands_separators_but_not_chinese_commas_join_digits():
    beds = "新增床位1,200张，2025年床位使用率达到85%。"
    answer = Answer("新增多少张床位？", f"{beds}[1]", False, (_cite(1, beds),), (), ("yb",), "target")
    assert kept("新增床位1200张[1]。", answer) and kept("新增床位1,200张[1]。", answer)
    assert kept("新增床位1,300张[1]。", answer) == [] and kept("新增床位1,2002张[1]。", answer) == []


def test_year_must_be_in_the_cited_passage():
    assert kept("到2025年，孕产妇系统管理率达到87%[1]。")
    assert kept("到2026年，孕产妇系统管理率达到87%[1]。") == []


def test_a_figure_counts_only_in_the_passage_its_marker_points_to():
    assert kept("急救呼叫满足率达到100%[2]。")
    assert kept("急救呼叫满足率达到100%[1]。") == []  # [1] is the goals paragraph, which does not say 100%


def test_a_figure_must_measure_what_the_sentence_says():
    staff = "到2025年，每千人口执业（助理）医师数达到3.85人，每千人口注册护士数达到4.05人。"
    answer = Answer("每千人口注册护士数要达到多少？", f"{staff}[1]", False, (_cite(1, staff),), (), ("yb",), "target")
    assert kept("到2025年，每千人口注册护士数达到4.05人[1]。", answer)
    assert kept("注册护士的目标是每千人口4.05人[1]。", answer)
    verdict = verify("到2025年，每千人口注册护士数达到3.85人[1]。", answer)  # the physicians' figure
    assert not verdict.kept and "另一项" in verdict.dropped[0].reason


def test_a_figure_in_a_cell_of_its_own_is_not_bound():
    cells = "主要发展指标\n序号\n指标\n单位\n2020年\n2025年\n7\n每千人口注册护士数\n人\n2.4\n3.9"
    line = "每千人口注册护士数：2025年目标 3.9人，2020年基期 2.4，预期性（主要发展指标第7项）[1]"
    answer = Answer("每千人口注册护士数是多少？", line, False, (_cite(1, cells),), (), ("yb",), "target")
    assert kept("每千人口注册护士数2020年基期为2.4，2025年达到3.9人[1]。", answer)
    assert kept("每千人口注册护士数2020年基期为2.5，2025年达到3.9人[1]。", answer) == []


def test_table_figure_is_checked_against_the_answer_line_that_states_it():
    line = "每千人口注册护士数：2025年目标 3.9人，2020年基期 2.4，预期性（主要发展指标第7项）[1]"
    answer = Answer("每千人口注册护士数要达到多少？", f"{line}\n出处：[1] {TITLE}", False, (_cite(1, TABLE),), (), ("yb",), "target")
    assert kept("到2025年，每千人口注册护士数达到3.9人[1]。", answer)
    assert kept("到2025年，每千人口注册护士数达到4.9人[1]。", answer) == []
    assert kept("该行为：7 每千人口注册护士数 人 2.4 3.9 预期性[1]。", answer)  # the row's cells stay apart
    assert kept("该行为：7 每千人口注册护士数 人 2.43.9 预期性[1]。", answer) == []
    bare = Answer(answer.question, f"另一句。[1]\n出处：[1] {TITLE}", False, (_cite(1, TABLE),), (), ("yb",), "target")
    assert kept("每千人口注册护士数达到3.9人[1]。", bare) == []  # the row alone has no "3.9人"


# -- department and unit names --------------------------------------------------------------------


def test_department_must_be_named_in_the_cited_passage():
    assert kept("该项工作由县卫生健康局牵头，县财政局、县医疗保障局参与[1]。", duty_answer())
    verdict = verify("该项工作由县卫生健康局牵头，县民政局参与[1]。", duty_answer())
    assert not verdict.kept and "县民政局" in verdict.dropped[0].reason


def test_department_abbreviation_matches_but_other_level_or_place_does_not():
    assert kept("县卫健局牵头，县医保局参与[1]。", duty_answer())
    assert kept("由市卫生健康局牵头[1]。", duty_answer()) == []
    assert kept("由芝罘区卫健局牵头[1]。", duty_answer()) == []
    note = "（牵头部门：张店区卫生健康局；参与部门：张店区财政局）"
    district = Answer("谁牵头？", "牵头：张店区卫生健康局。[1]", False, (_cite(1, note),), (), ("zd",), "duty")
    assert kept("由张店区卫健局牵头[1]。", district)
    assert kept("由淄川区卫健局牵头[1]。", district) == []  # same level, another district


def test_words_that_only_end_like_units_are_not_units():
    assert unit_mentions("优化医疗资源布局，举办健康讲座，坚持政府主导，以人民健康为中心") == []
    assert unit_mentions("由县卫生健康局牵头，县发展和改革委员会配合") == [["由县卫生健康局", "县卫生健康局"], ["县发展和改革委员会"]]


# -- quoted phrases -------------------------------------------------------------------------------


def test_quoted_phrase_must_be_verbatim():
    assert kept("规划提出“建设县急救指挥调度中心”[2]。")
    assert kept("规划提出“建设县级急救中心”[2]。") == []
    assert kept(f"《{TITLE}》提出，孕产妇系统管理率达到87%[1]。")
    assert kept("《盐边县卫生健康发展规划》提出，孕产妇系统管理率达到87%[1]。") == []


# -- markers ---------------------------------------------------------------------------------------


def test_sentence_needs_a_marker_to_a_cited_passage():
    assert kept("孕产妇系统管理率达到87%。") == [] and kept("规划对此作了部署。") == []
    assert kept("规划对此作了部署[1]。") == ["规划对此作了部署[1]。"]
    assert kept("孕产妇系统管理率达到87%[9]。") == []
    assert kept("贫困人口家庭医生签约率达到99%[3]。") == []  # [3] was retrieved but the answer does not cite it
    assert kept("孕产妇系统管理率达到87%。[1]") == ["孕产妇系统管理率达到87%。[1]"]  # marker after the full stop


def test_sentences_split_with_their_markers_and_without_thinking():
    text = "<think>用户问的是87%还是85%？</think>第一句。[1]第二句[2]；第三句\n第四句"
    assert sentences(text) == ["第一句。[1]", "第二句[2]；第三句", "第四句"]  # clauses joined by ； stay one sentence


# -- does what is left answer? ---------------------------------------------------------------------


def test_figure_question_needs_a_kept_figure():
    assert verify("孕产妇系统管理率到2025年要达到87%[1]。", goal_answer()).answers
    verdict = verify("规划提出“建设县急救指挥调度中心”[2]。孕产妇系统管理率要达到85%[1]。", goal_answer())
    assert len(verdict.kept) == 1 and not verdict.answers and "数字" in verdict.why_not


def test_duty_question_needs_a_kept_unit():
    assert verify("县卫生健康局牵头[1]。", duty_answer()).answers
    assert not verify("规划提出“建设县急救指挥调度中心”[1]。", duty_answer()).answers


def test_every_plan_the_answer_covers_must_be_kept():
    a_text, b_text = "甲县孕产妇系统管理率达到87%。", "乙县孕产妇系统管理率达到90%。"
    answer = Answer("各县孕产妇系统管理率分别是多少？", f"甲县：{a_text}[1]\n乙县：{b_text}[2]", False,
                    (_cite(1, a_text, plan="a", title="甲县规划"), _cite(2, b_text, plan="b", title="乙县规划")),
                    (), ("a", "b"), "compare")
    assert verify("甲县达到87%[1]，乙县达到90%[2]。", answer).answers
    assert not verify("甲县达到87%[1]。乙县达到95%[2]。", answer).answers


# -- the endpoint: streaming, fall-backs ----------------------------------------------------------

REPLIES = {
    "faithful": "按照规划，到2025年全县孕产妇系统管理率要达到87%[1]。",
    "changes-number": "按照规划，到2025年全县孕产妇系统管理率要达到85%[1]。",
    "invents-dept": "到2025年孕产妇系统管理率要达到87%[1]。该项工作由县民政局负责督导[2]。",
    "refuses": "抱歉，我无法回答这个问题。",
}


@pytest.fixture(scope="module")
def fake():
    with FakeLLM(REPLIES, delay=3.0) as server:
        yield server


def writer(fake: FakeLLM, model: str, timeout: float = 10.0) -> Writer:
    return Writer(fake.url, model, timeout=timeout)


def test_llm_receives_question_claims_and_only_cited_passages(fake):
    before = len(fake.requests)
    rw = rewrite(writer(fake, "faithful"), goal_answer())
    sent = fake.requests[before]
    user = sent["messages"][-1]["content"]
    assert sent["stream"] is True and sent["model"] == "faithful"
    assert "孕产妇系统管理率要达到多少" in user and GOALS in user and DUTY in user and OTHER not in user
    assert rw.verified and rw.text.startswith(REPLIES["faithful"]) and "出处：[1]" in rw.text
    assert messages(goal_answer())[0]["role"] == "system"


def test_streaming_yields_partial_text_before_the_verified_result(fake):
    steps = list(rewrite_steps(writer(fake, "faithful"), goal_answer()))
    partial = [s for s in steps if isinstance(s, str)]
    assert len(partial) > 3 and partial[-1] == REPLIES["faithful"] and len(partial[0]) < len(partial[-1])
    assert steps[-1].verified


def test_changed_number_falls_back_to_the_extractive_answer(fake):
    rw = rewrite(writer(fake, "changes-number"), goal_answer())
    assert not rw.verified and rw.text == f"{FALLBACK_NOTE}\n{goal_answer().text}"
    assert "85%" in rw.dropped[0].reason and "85%" not in rw.text


def test_invented_department_sentence_is_dropped_and_the_rest_kept(fake):
    rw = rewrite(writer(fake, "invents-dept"), goal_answer())
    assert rw.verified and "县民政局" not in rw.text and "87%[1]" in rw.text
    assert [d.reason for d in rw.dropped] == ["单位“县民政局”不在所引原文中"] and "删除 1 句" in rw.status


def test_timeout_falls_back_quickly(fake):
    t = time.perf_counter()
    rw = rewrite(writer(fake, "slow", timeout=0.5), goal_answer())
    assert time.perf_counter() - t < 2.5
    assert not rw.verified and rw.text.startswith(ERROR_NOTE) and goal_answer().text in rw.text and "超时" in rw.status


def test_endpoint_error_and_refusal_fall_back(fake):
    broken = rewrite(writer(fake, "broken"), goal_answer())
    assert not broken.verified and broken.text.startswith(ERROR_NOTE)
    refused = rewrite(writer(fake, "refuses"), goal_answer())
    assert not refused.verified and refused.text.startswith(FALLBACK_NOTE) and refused.dropped


def test_abstention_is_never_sent_to_the_llm(fake):
    # an abstention may still carry passages (a figure the plan leaves unstated): it is not sent either
    answer = Answer("盐边县有几个火星基地？", f"未在所选规划中找到相关内容。\n{OTHER}[1]", True, (_cite(1, OTHER),), (),
                    ("yb",))
    before = len(fake.requests)
    rw = rewrite(writer(fake, "faithful"), answer)
    assert len(fake.requests) == before and rw.text == answer.text and not rw.verified


def test_llm_mode_is_off_unless_endpoint_and_model_are_set(fake):
    assert Writer.from_settings(Settings()) is None
    assert Writer.from_settings(Settings(llm_base_url=fake.url)) is None
    w = Writer.from_settings(Settings(llm_base_url=fake.url, llm_model="faithful", llm_timeout=5))
    assert w.model == "faithful" and w.timeout == 5


# -- UI callbacks -----------------------------------------------------------------------------------


def _handlers(answer: Answer):
    drafted = []
    h = SimpleNamespace(plans=[], draft=lambda s: (drafted.append(s) or ("extractive draft", None, None)),
                        reply_files=lambda text: ("docx", "md"))
    state = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": render_answer(answer)}],
             "question": answer.question, "answer": answer}
    return h, state, drafted


def test_polish_streams_then_shows_status_and_folds_dropped(fake):
    h, state, _ = _handlers(goal_answer())
    steps = list(LLMHandlers(h, writer(fake, "invents-dept")).polish(state, True))
    shown = [msgs[-1]["content"] for msgs, _ in steps]
    assert shown[0].startswith(STREAMING_NOTE) and len(shown) > 2
    assert MARK_OK in shown[-1] and "<details>" in shown[-1] and "县民政局负责督导" in shown[-1]
    assert steps[-1][1]["rewrite"].verified and len(steps[-1][1]["messages"]) == 2


def test_polish_does_nothing_when_off_after_an_error_or_for_an_abstention(fake):
    h, state, _ = _handlers(goal_answer())
    llm = LLMHandlers(h, writer(fake, "faithful"))
    assert [s[0] for s in llm.polish(state, False)][0] == {"__type__": "update"}
    errored = {**state, "messages": [*state["messages"], {"role": "assistant", "content": f"{MARK_WARN} 问题过长"}]}
    before = len(fake.requests)
    assert len(list(llm.polish(errored, True))) == 1 and len(fake.requests) == before
    abst = Answer("火星？", "未在所选规划中找到相关内容。", True)
    h2, s2, _ = _handlers(abst)
    assert len(list(LLMHandlers(h2, writer(fake, "faithful")).polish(s2, True))) == 1 and len(fake.requests) == before


def test_rendered_rewrite_escapes_the_llms_text(fake):
    fake.replies["evil"] = "到2025年孕产妇系统管理率要达到87%[1]。<script>alert(1)</script>[1]。"
    rw = rewrite(writer(fake, "evil"), goal_answer())
    html = render_rewrite(rw)
    assert "<script" not in html and "&lt;script&gt;" in html


def test_reply_draft_by_llm_keeps_salutation_or_falls_back(fake):
    h, state, drafted = _handlers(goal_answer())
    out = list(LLMHandlers(h, writer(fake, "faithful")).draft(state, True))[-1]
    assert out[0].startswith("您好！") and out[0].endswith("感谢您的关注与支持。") and "87%" in out[0]
    assert "[1]" not in out[0] and MARK_OK in out[3]
    bad = list(LLMHandlers(h, writer(fake, "changes-number")).draft(state, True))[-1]
    assert "85%" not in bad[0] and "“到2025年，全县孕产妇系统管理率达到87%" in bad[0] and MARK_WARN in bad[3]
    assert list(LLMHandlers(h, writer(fake, "faithful")).draft(state, False))[-1][0] == "extractive draft" and drafted

"""Duties in every wording plans use, each with a negative twin that must not become a duty.

The texts are made up (a county, a district and a banner of no real plan); each rule is checked on the real
code path: parse_blocks then extract_duties, and the cited span must be the plan's own words.
"""

from __future__ import annotations

import pytest

from assistant.answer import Passage, Sentence, compose
from assistant.duties import extract_duties, states_duties
from assistant.parse import parse_blocks
from assistant.units import names_body, split_units, unit_matches
from tests.conftest import CORPUS, FIXTURES


def duties(text: str) -> list[tuple[str, tuple, tuple, tuple, str]]:
    """(task, lead, participants, responsible, cited text) of every duty, in plan order."""
    return [(d.task, d.lead, d.participants, d.responsible, text[d.start : d.end])
            for d in extract_duties("t", text, parse_blocks(text))]


def plan(*tasks: str) -> str:
    return "某县卫生健康规划\n\n第三章 重点任务\n\n" + "\n\n".join(tasks) + "\n"


# ---------------------------------------------------------------- notes


def test_markers_inside_a_responsible_list():
    text = plan("一、建设县域医疗次中心。扩建县医院急诊楼，新增床位120张。（责任单位：县卫生健康局牵头，县财政局、县人社局配合）")
    assert duties(text) == [("一、建设县域医疗次中心", ("县卫生健康局",), ("县财政局", "县人社局"), (),
                             "（责任单位：县卫生健康局牵头，县财政局、县人社局配合）")]


def test_a_responsible_list_without_markers_stays_responsible():
    text = plan("一、建设县域医疗次中心。扩建县医院急诊楼。（责任单位：县卫生健康局、县财政局）")
    assert duties(text)[0][1:4] == ((), (), ("县卫生健康局", "县财政局"))


def test_main_responsible_and_cooperating_units_on_their_own_line():
    text = plan("一、提升疾控能力\n推进县疾控中心实验室达标，配齐检验人员。\n\n主要责任单位：县卫生健康局；协同单位：县财政局、县编办")
    assert duties(text) == [("一、提升疾控能力", ("县卫生健康局",), ("县财政局", "县编办"), (),
                             "主要责任单位：县卫生健康局；协同单位：县财政局、县编办")]


def test_a_label_word_in_running_text_is_no_note():
    text = plan("一、提升疾控能力\n主要责任单位要会同协同单位制定年度方案，协同单位按职责抓好落实。")
    assert duties(text) == []


def test_lead_responsible_and_main_cooperating_units():
    text = plan("一、建设精神卫生中心\n新建县精神卫生中心。\n\n牵头责任单位：县卫生健康局；主要协作单位：县发展改革局、县自然资源局")
    assert duties(text)[0][1:4] == (("县卫生健康局",), ("县发展改革局", "县自然资源局"), ())


def test_a_plain_responsible_label_is_not_a_lead():
    text = plan("一、建设精神卫生中心\n新建县精神卫生中心。\n\n责任单位：县卫生健康局；协作单位：县发展改革局")
    assert duties(text)[0][1:4] == ((), ("县发展改革局",), ("县卫生健康局",))


def test_a_bare_label_line_must_name_bodies():
    text = plan("一、强化院感防控\n落实院感防控制度。\n\n责任单位：各级医疗机构、县人民医院")
    assert duties(text) == []


def test_banner_level_notes_with_guidance():
    text = plan("一、开展爱国卫生运动\n推进农村牧区改厕。\n\n责任单位：各苏木镇人民政府负责，旗卫生健康委指导")
    assert duties(text)[0][1:4] == ((), ("旗卫生健康委",), ("各苏木镇人民政府",))


# ---------------------------------------------------------------- tables


def test_lead_and_cooperating_columns_tab_separated():
    text = "重点任务分工表\n序号\t重点任务\t牵头单位\t配合单位\n1\t推进医养结合\t县民政局\t县卫生健康局、县医保局\n"
    assert duties(text)[0][:3] == ("推进医养结合", ("县民政局",), ("县卫生健康局", "县医保局"))


def test_main_responsible_column_with_markers_in_a_cell():
    text = ("| 序号 | 工作任务 | 主要责任单位 | 协同单位 |\n| --- | --- | --- | --- |\n"
            "| 1 | 推进分级诊疗 | 县卫生健康局 | 县医保局 |\n"
            "| 2 | 建设健康步道 | 县住建局牵头，县体育局配合 | 各乡镇人民政府 |\n")
    assert [d[:3] for d in duties(text)] == [
        ("推进分级诊疗", ("县卫生健康局",), ("县医保局",)),
        ("建设健康步道", ("县住建局",), ("县体育局", "各乡镇人民政府")),
    ]


def test_a_table_without_role_columns_has_no_duties():
    text = "| 序号 | 工作任务 | 完成时限 |\n| --- | --- | --- |\n| 1 | 推进分级诊疗 | 2025年 |\n"
    assert duties(text) == []


# ---------------------------------------------------------------- prose


def test_by_x_responsible_with_cooperation():
    text = plan("一、推进医养结合\n医养结合工作由县卫生健康局负责，县民政局配合，各乡镇抓好落实。")
    assert duties(text) == [("一、推进医养结合", (), ("县民政局",), ("县卫生健康局",), "由县卫生健康局负责，县民政局配合")]


@pytest.mark.parametrize("sentence", ["慢病随访由各级医疗机构负责。", "居家康复期间的用药管理由患者负责。",
                                      "由县人民医院牵头组建医共体。"])
def test_by_a_hospital_or_a_person_is_no_duty(sentence):
    assert duties(plan(f"一、加强慢病管理\n{sentence}")) == []


def test_x_leads_y_cooperates_without_by():
    text = plan("一、做好监测评估\n县卫生健康局牵头，县统计局配合，开展规划中期评估。")
    assert duties(text) == [("一、做好监测评估", ("县卫生健康局",), ("县统计局",), (), "县卫生健康局牵头，县统计局配合")]


def test_prose_is_not_read_where_the_task_has_a_note():
    text = plan("一、做好监测评估\n县卫生健康局牵头，县统计局配合，开展规划中期评估。（牵头单位：县统计局）")
    assert [d[1:4] for d in duties(text)] == [(("县统计局",), (), ())]


@pytest.mark.parametrize("sentence", ["以县人民医院牵头组建紧密型医共体。", "卫生健康部门负责牵头制订监测评估方案。",
                                      "各有关部门负责抓好落实。", "医疗机构主要负责人要亲自抓院感工作。"])
def test_prose_subjects_that_are_no_named_body(sentence):
    assert duties(plan(f"一、做好监测评估\n{sentence}")) == []


def test_main_responsibility_of_a_named_body():
    text = plan("第一节 加强组织领导\n县卫生健康局要切实履行规划实施主体责任，各乡镇要抓好落实。")
    assert duties(text) == [("第一节加强组织领导", (), (), ("县卫生健康局",), "县卫生健康局要切实履行规划实施主体责任")]
    text = plan("第一节 加强组织领导\n县委县政府对全县卫生健康事业发展负总责。")
    assert duties(text)[0][3] == ("县委县政府",)


@pytest.mark.parametrize("sentence", ["严格落实用人单位主体责任。", "医疗机构承担院感防控主体责任。",
                                      "强化个人健康主体责任。", "医院院长对医疗质量负总责。",
                                      "地方政府承担公立医院投入主体责任。", "属地政府负责组织实施。"])
def test_main_responsibility_of_no_named_body(sentence):
    assert duties(plan(f"第一节 加强组织领导\n{sentence}")) == []


# ---------------------------------------------------------------- which task a note covers


ITEMS = """1. 完善疾控体系

（1）优化疾控职能。推进县疾控中心标准化建设。

（2）充实疾控队伍。核定疾控机构人员编制。

责任单位：县卫生健康局牵头，县编办配合

2. 加强学生健康

落实学校卫生工作规范。

责任单位：县教育局牵头，县卫生健康局配合"""


def test_a_note_after_run_in_items_covers_their_task():
    found = duties(plan(ITEMS))
    assert [(d[0], d[1]) for d in found] == [("1.完善疾控体系", ("县卫生健康局",)), ("2.加强学生健康", ("县教育局",))]


def test_a_note_after_an_item_that_has_its_own_sibling_notes_stays_with_it():
    text = ITEMS.replace("推进县疾控中心标准化建设。", "推进县疾控中心标准化建设。（牵头单位：县疾控中心）")
    assert [d[0] for d in duties(plan(text))] == ["（1）优化疾控职能", "（2）充实疾控队伍", "2.加强学生健康"]


def test_a_note_right_after_the_first_item_is_that_items():
    text = plan("1. 完善疾控体系\n\n（1）优化疾控职能。推进县疾控中心标准化建设。\n\n责任单位：县卫生健康局\n\n"
                "（2）充实疾控队伍。核定疾控机构人员编制。")
    assert [d[0] for d in duties(text)] == ["（1）优化疾控职能"]


# ---------------------------------------------------------------- unit names and the guards that use them


@pytest.mark.parametrize(("query", "unit"), [
    ("疾控中心", "区疾病预防控制中心"), ("经信局", "区经济和信息化局"), ("公安局", "区公安分局"),
    ("文体旅局", "区文化体育和旅游局"), ("卫健委", "州卫生健康委"), ("教体局", "旗教育体育局"),
    ("爱卫办", "区爱国卫生运动委员会办公室"), ("区府办", "区政府办公室"), ("药监局", "省药品监督管理局"),
])
def test_more_abbreviations(query, unit):
    assert unit_matches(query, unit)


@pytest.mark.parametrize(("query", "unit"), [
    ("区政府", "区政府办公室"), ("区政府办公室", "区政府"), ("市公安局", "区公安分局"), ("文旅局", "州文化体育广播电视和旅游局"),
    ("爱卫会", "区爱卫办"),
])
def test_abbreviations_keep_bodies_apart(query, unit):
    assert not unit_matches(query, unit)


def test_named_bodies_and_units_joined_by_huitong():
    assert all(map(names_body, ("县卫生健康局", "旗卫生健康委", "各县市人民政府", "州疾病预防控制中心")))
    assert not any(map(names_body, ("卫生健康部门", "有关部门", "各级医疗机构", "县人民医院", "患者")))
    assert split_units("旗卫生健康委会同旗公安局") == ("旗卫生健康委", "旗公安局")


def test_states_duties_reads_leniently():
    assert states_duties("建立评估机制，卫生健康部门负责牵头制订评估方案。")
    assert states_duties("（牵头单位：某某局）")
    assert not states_duties("鼓励对公立医院主要负责人实行年薪制。由区级公立医疗机构（或有能力公立医疗机构）牵头组建医共体。")


def _passage(*sentences: str) -> list[Passage]:
    sents = tuple(Sentence(s, i * 100, i * 100 + len(s), s) for i, s in enumerate(sentences))
    return [Passage(0, "某县规划", sents, "重点任务职业健康")]


def test_a_who_question_needs_a_sentence_that_gives_a_role():
    weights = {"职业病": 2.0, "监测": 1.0}
    no_role = _passage("到2025年职业病监测覆盖率和主要负责人培训率达到95%以上。")
    assert compose("职业病监测由谁负责？", weights, no_role) is not None
    assert compose("职业病监测由谁负责？", weights, no_role, duty=True) is None
    with_role = _passage("职业病监测由县疾控中心负责，县卫生健康局指导。")
    assert compose("职业病监测由谁负责？", weights, with_role, duty=True)


# ---------------------------------------------------------------- the real plans and the style fixtures


def _plan_duties(path):
    text = path.read_text(encoding="utf-8")
    return text, extract_duties(path.stem, text, parse_blocks(text))


@pytest.mark.parametrize("name", sorted(p.name for p in (*CORPUS.glob("*.txt"), *FIXTURES.glob("*.txt"))))
def test_no_unit_is_named_with_its_role_and_every_span_is_plan_text(name):
    path = CORPUS / name if (CORPUS / name).exists() else FIXTURES / name
    text, found = _plan_duties(path)
    units = [u for d in found for u in (*d.lead, *d.participants, *d.responsible)]
    assert not [u for u in units if u.endswith(("牵头", "配合", "负责", "指导", "参与", "协同"))]
    assert all(text[d.start : d.end].strip() and d.end - d.start < 400 for d in found)


def test_fixture_wordings_are_read():
    _, lianjiang = _plan_duties(FIXTURES / "lianjiang-review-plan.txt")  # 主要责任单位/协同单位 lines
    assert len(lianjiang) == 8 and lianjiang[0].task == "一、改革完善疾病预防控制体系"
    assert (lianjiang[0].lead, lianjiang[0].participants) == (("市卫生健康局",), ("市财政局", "市人力资源和社会保障局"))
    _, lusong = _plan_duties(FIXTURES / "lusong-webpage-plan.txt")  # 责任单位：X牵头，Y配合
    assert (lusong[0].lead, lusong[0].participants, lusong[0].responsible) == (("区卫生健康局",), ("区财政局", "区人社局"), ())
    _, ejinhoro = _plan_duties(FIXTURES / "ejinhoro-notice.txt")
    tasks = {d.task: d for d in ejinhoro}
    assert tasks["1.改革完善疾病预防控制体系"].participants == ("旗财政局", "旗人力资源和社会保障局")
    assert tasks["（3）健全院前急救网络"].responsible == ("旗卫生健康委", "旗公安局")  # 由X会同Y负责

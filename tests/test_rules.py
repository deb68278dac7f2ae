"""Answer/abstain rules, each with a negative test that fails when the rule is removed.

Pure checks (gazetteer, years, indicator identity) run on their own; the rest ask the real assistant over
the real index of the corpus plans and the style fixtures (conftest).
"""

from __future__ import annotations

import re

import pytest

from assistant.places import find_places, find_places_en, place_of
from assistant.route import unglue
from assistant.verify import (
    SYNONYMS,
    absent_terms,
    asked_years,
    modifier_conflict,
    named_facilities,
    names_in,
    plan_end_year,
    states_measure,
    states_year,
    used,
)
from assistant.vocab import table
from eval.runner import body


@pytest.mark.parametrize("text, code", [
    ("成都市武侯区的注册护士数", "510107"), ("广州市天河区", "440106"), ("乐山市市中区", "511102"),
    ("伊金霍洛旗", "150627"), ("昌吉州", "652300"), ("济宁", "370800"), ("新疆", "650000"),
])
def test_gazetteer_resolves_places(text, code):
    assert find_places(text)[-1].codes[0] == code


@pytest.mark.parametrize("text", ["城市中心医院", "长治久安", "吉林大学附属医院"])
def test_gazetteer_ignores_words_that_only_contain_place_names(text):
    assert find_places(text) == []


def test_a_plan_place_prefers_the_unambiguous_title():
    assert place_of("乐山市市中区“十四五”卫生健康发展规划", "市中区").codes == ("511102",)


def test_asked_years_and_periods():
    assert asked_years("福山区2035年人均预期寿命") == (2035,)
    assert asked_years("十三五期间床位数") == (2020,)
    assert asked_years("《健康昌吉行动实施方案（2021—2025年）》到2022年") == (2022,)
    assert states_year("“十四五”期末达到", 2025) and not states_year("2020年达到4人", 2025)


@pytest.mark.parametrize("question, indicator, word", [
    ("每万人口专科医生数是多少", "每万人口全科医生数", "专科医生"),
    ("健康预期寿命目标", "人均预期寿命", "健康"),
    ("每千人口卫生技术人员数", "每千人口公共卫生人员数", "技术人员"),
    ("孕产妇死亡率", "婴儿死亡率", "孕产妇"),
])
def test_indicator_identity_conflicts(question, indicator, word):
    assert modifier_conflict(question, indicator) == word


@pytest.mark.parametrize("question, indicator", [
    ("全区每千人口床位数", "每千人口医疗卫生机构床位数（张）"), ("每千人口执业医师数", "每千人口执业（助理）医师数"),
    ("全科医生要到多少", "每万人口全科医生数"), ("人均期望寿命", "人均预期寿命"),
    ("高血压患者规范管理率", "高血压患者规范化管理率"),
])
def test_indicator_identity_allows_paraphrase(question, indicator):
    assert modifier_conflict(question, indicator) == ""


@pytest.mark.parametrize("question, unit", [
    ("请问区民政局参与了吗", "区民政局"), ("区大数据中心负责哪一项", "区大数据中心"),
    ("支持社会办医那条由谁牵头", ""), ("五大中心启用由谁牵头", ""), ("应急作业中心建设由哪个单位负责", ""),
])
def test_a_unit_is_a_department_not_a_topic_word(question, unit):
    from assistant.route import unit_named

    assert unit_named(question, []) == unit


def test_absent_terms_are_topic_words_only():
    plan = "加强卫生监督机构标准化建设，推进医疗卫生行业综合监管。"
    assert absent_terms("对医美机构监管有什么要求", [plan]) == ["医美"]
    assert absent_terms("那条任务里讲的是哪一部分", [plan]) == []


@pytest.mark.parametrize("text, code", [
    ("What does the Baiyun District (Guangzhou) plan say?", "440111"), ("Leshan's Shizhong District", "511102"),
    ("the Changji Prefecture plan", "652300"), ("Xinjiang Uygur Autonomous Region", "650000"),
    ("Lucheng district (Wenzhou)", "330302"), ("Inner Mongolia Autonomous Region", "150000"),
])
def test_english_place_names_resolve_by_pinyin(text, code):
    assert find_places_en(text)[-1].codes[0] == code


@pytest.mark.parametrize("text", ["Which Chapter covers Health?", "What is the Target for 2025?", "Under which heading"])
def test_english_words_are_not_places(text):
    assert find_places_en(text) == []


def test_an_unknown_english_division_is_still_a_place():
    assert find_places_en("the Qorgha Banner plan")[0].codes == ()  # said to have no plan, never answered


@pytest.mark.parametrize("english, code", [("the Ejin Horo Banner plan", "150627"), ("Hohhot City", "150100"),
                                           ("Kashgar Prefecture", "653100")])
def test_an_english_name_that_is_not_pinyin_is_read_from_the_exonym_table(english, code):
    assert find_places_en(english)[0].codes == (code,)


@pytest.mark.parametrize("question, glued", [("规划中普惠托育", "规划 普惠托育"), ("意见里区妇保院", "意见 区妇保院"),
                                             ("规划中心城区", "规划中心城区"), ("规划中医药服务", "规划中医药服务")])
def test_a_document_word_is_split_from_the_next_word(question, glued):
    assert unglue(question) == glued


@pytest.mark.parametrize("text", ["国家级基层中医药工作示范县", "提升中心城区健身圈"])
def test_a_two_character_place_name_inside_a_word_is_no_place(text):
    assert find_places(text) == []


@pytest.mark.parametrize("text, code", [("河南省范县的规划", "410926"), ("在城区建设", "140302")])
def test_a_two_character_place_name_standing_alone_is_a_place(text, code):
    assert code in find_places(text)[-1].codes


def test_a_plan_period_is_read_from_its_title():
    assert plan_end_year("某区“十四五”卫生健康发展规划") == 2025
    assert plan_end_year("健康某州行动实施方案（2021—2025年）") == 2025 and plan_end_year("关于加快发展的意见") is None
    # a period that names the plan asks for no year; any other period or an explicit year still does
    assert asked_years("对卫生健康十四五规划有意见打哪个电话", own_period=2025) == ()
    assert asked_years("对卫生健康十四五规划有意见打哪个电话") == (2025,)
    assert asked_years("“十三五”规划当初定的目标", own_period=2025) == (2020,)


@pytest.mark.parametrize("question, names", [
    ("规划里鱼台县中医院新院区有多少床位", ["鱼台县中医院"]), ("第二人民医院新院区哪年完工", ["第二人民医院"]),
    ("要建设新院区的是哪两家镇级卫生院", []),  # a level word, not a name
    ("打造成省级中医药医养结合特色基地", []),  # a description, not a name
])
def test_named_facilities_are_particular_ones(question, names):
    assert named_facilities(question) == names


def test_a_named_facility_must_be_written_as_such():
    assert names_in("区妇保院", "区妇幼保健院新院区") and names_in("湖田卫生院", "湖田卫生院")
    assert not names_in("鱼台县中医院", "鱼台县人民医院扩建项目")
    assert not names_in("鱼台县中医院", "鱼台县人民医院、金乡县中医院")  # a facility's words stand as written


def test_a_project_named_by_what_it_covers_may_be_worded_in_another_order():
    assert names_in("污水处理改造项目", "推进医疗机构改造污水处理项目，")
    assert not names_in("污水处理改造项目", "推进污水处理，实施改造项目")  # within one clause only
    assert not names_in("老年病医院项目", "为医院增设老年病科项目")  # a facility's project keeps its name


@pytest.mark.parametrize("question, indicator", [
    ("每千人口多少公共卫生人员", "每千人口公共卫生人员数"),  # 多少 is a question word
    ("二级以上综合医院里开老年医学科的比例", "二级及以上综合医院设置老年医学科的比例"),  # 里开: segmenter-made
    ("省级示范村卫生室至少几个", "省级示范标准村卫生室"),  # 示范…村 spread inside the indicator
])
def test_words_that_are_no_modifier_do_not_conflict(question, indicator):
    assert modifier_conflict(question, indicator) == ""


@pytest.mark.parametrize("question, plan, absent", [
    ("规划里普惠托育在哪一节", "发展普惠托育服务", []),  # 里 glued onto 普惠
    ("重点项目的床位规模", "重点项目：床位规模800张", []),  # 项目|的: not the word 目的
    ("应急物资要储备多长时间", "应急物资储备", []),  # how users ask
    ("公卫医师配几名", "配备公共卫生医师", []),  # an abbreviation of what the plan writes out
    ("长护险试点", "推进长期护理保险试点", []),
    ("病人满意度", "患者满意度", []),  # a user's word and the plan's word
    ("急救中心何时建成投用", "2024年底前急救中心建成启用", []),  # 投用 is what people say for 启用
    ("规划里地铁站点配置", "加强急救站点配置", ["地铁"]),
    ("殡葬改革有什么要求", "深化医药卫生体制改革", ["殡葬"]),  # a task named by a verb
    ("门楼卫生院", "门诊楼建设，乡镇卫生院", ["门楼"]),  # a common word is never read as an abbreviation
    ("医美机构监管", "医疗卫生机构监管", ["医美"]),
])
def test_topic_presence_forgives_phrasing_not_topics(question, plan, absent):
    assert absent_terms(question, [plan]) == absent


@pytest.mark.parametrize("word", sorted(SYNONYMS))
def test_each_synonym_row_lets_the_plans_word_stand_for_the_users(word):
    for plan_word in SYNONYMS[word]:
        assert used(word, f"规划提出{plan_word}的要求"), plan_word
    assert not used(word, "规划提出其他要求")


def test_abbreviations_and_synonyms_are_used():
    assert used("市卫健委", "市卫生健康委牵头") and used("计生", "计划生育特殊家庭")
    assert not used("驿站", "健康服务站")


@pytest.mark.parametrize("question, sentence, states", [
    ("健康预期寿命目标", "到2025年，人均预期寿命达到78岁，健康水平显著提高", False),
    ("人均预期寿命目标", "到2025年，人均预期寿命达到78岁，健康水平显著提高", True),
    ("孕产妇死亡率要控制在多少", "婴儿死亡率控制在5‰以下", False),
    ("妇女常见病筛查率要达到多少", "到2025年，妇女常见病筛查率、宫颈癌筛查覆盖率达到80%", True),
    ("传染病报告发病率目标", "到2025年，人均预期寿命达到78岁", False),
    ("每千人口床位数目标", "表1：指标 每千人口医疗卫生机构床位数；单位 张；2020年 4.3；2025年 5.6", True),
    ("每千人口药师数目标", "表1：指标 每千人口医疗卫生机构床位数；单位 张；2020年 4.3；2025年 5.6", False),
    ("重点人群家庭医生签约率", "推进家庭医生团队建设，到2025年，重点人群签约率保持在70%以上", True),
    ("达到标准的比例是多少", "达到推荐标准的机构占90%", True),  # shares are phrased freely: not checked
])
def test_a_figure_sentence_must_state_the_asked_measure(question, sentence, states):
    assert states_measure(question, sentence) == states


# (question, abstains, what the answer body must say): each abstain rule beside an answered twin, so
# removing a rule fails its abstain row and an over-eager rule fails its answered row.
RULES = [
    ("烟台市的规划里每千人口注册护士数目标是多少？", True, "下辖的福山区"),  # parent place
    ("济宁市任城区每千人口床位数目标是多少？", True, "其上级济宁市"),  # child place
    ("烟台市福山区到2025年每千人口注册护士数要达到多少？", False, "4.05"),
    ("福山区2035年人均预期寿命目标是多少？", True, "未给出2035年"),  # asked year
    ("福山区2020年每千人口注册护士数是多少？", False, "2.57"),
    ("福山区每万人口专科医生数的目标是多少？", True, "最接近的指标"),  # indicator identity
    ("福山区到2025年每万人口全科医生数要达到多少？", False, "4人"),
    ("鹿城区每千人口中医护士数", True, "最接近的指标"),  # a bare indicator name asks its figure: same checks
    ("鹿城区每千人口注册护士数", False, "每千人口注册护士数：2025年目标"),
    ("福山区地铁建设由哪个部门牵头？", True, "地铁"),  # topic presence
    ("福山区规划对医美机构监管有什么要求？", True, "医美"),
    ("福山区的智慧医疗由哪个部门牵头，哪些部门参与？", False, "区医保局"),  # the task that covers the topic
    ("区医保局参与福山区急救体系建设吗？", True, "未列"),  # unit not listed on the task
    ("福山区在急救体系方面谁牵头？", False, "23. 加强急救体系建设"),  # the task named by the whole topic
    ("济宁市家庭医生签约服务谁牵头？", False, "19.优化分级诊疗制度"),  # a topic split over tasks: each listed
    ("济宁市公共卫生五大中心启用这项工作由谁牵头？", False, "市卫生健康委"),  # 中心 here is a topic, not a unit
    ("乐山市市中区规划哪一节讲健康城市建设？", False, "第六节加快推进健康城市建设"),  # locate: from headings
    ("福山区规划里讲负压救护车比例的是哪一条任务？", False, "4. 强化公共卫生事件应急救援"),  # locate: by passage
    ("区医保局在福山区“加强职业健康保护”这项任务里具体负责什么？", True, "该任务未列区医保局"),  # a named task
    ("健康张店意见里“打造张店品牌赛事”这条，区民政局承担什么责任？", True, "该任务未列区民政局"),  # 这条 no topic
    ("健康张店意见里“全面实行智慧医疗”这条，区大数据中心负责什么？", False, "区大数据中心"),
    ("健康张店意见中，区总工会是哪一项任务的责任单位？", False, "25.打造张店品牌赛事"),  # 健康 names the plan
    ("福山区中医药服务体系建设都由谁牵头？又有谁参与？", False, "29. 健全完善中医药服务体系"),  # 都, 又: no topic
    ("福山区和芝罘区到2025年每千人口注册护士数目标分别是多少？", False, "规划库中没有芝罘区的规划"),  # a sibling
    ("每千人口公共卫生人员数，福山、张店、济宁的2025年目标分别是多少？", False, "1.28"),  # short names
    ("福山区2025年每千人口注册护士数和每千人口卫生技术人员数分别是多少？", True, "未提及“每千人口卫生技术人员数”"),
    ("福山区2025年婴儿死亡率和孕产妇死亡率分别是多少？", False, "5.6"),  # multi-part, both stated
    ("张店区到2025年二级医院电子病历评级和远程医疗评级分别要达到几级？", True, "未提及“远程医疗评级”"),  # a rating
    ("张店区到2025年二级医院电子病历评级和智慧服务评级分别要达到几级？", False, "智慧服务评级达到3级以上"),
    ("张店区规划里马尚中心卫生院新院区要建设吗？", False, "马尚中心卫生院"),  # a town the plan names
    ("张店区规划里南定镇卫生院新院区要建设吗？", True, "南定"),  # a town it does not: not another town's line
    ("济宁市规划中邹城市千泉老年病专科医院属于什么项目？", False, "医养结合重点项目"),  # a county inside the plan
    ("In the Baiyun District (Guangzhou) plan, how many registered nurses per 1,000 residents for 2025?", True,
     "no plan for Baiyun District"),  # an English place with no plan
    ("What is the Fushan District target for registered nurses per 1,000 people by 2025?", False, "4.05"),
    ("济宁“十四五”新招引硕士人数和院士人数分别是多少？", True, "未在所选规划中找到"),  # one part not in the plan
    ("济宁“十四五”新招引博士人数和硕士人数分别是多少？", False, "硕士1000名"),
    ("济宁引育高层次人才这项任务由谁牵头？", False, "10.多举措引育高层次人才"),  # the task titled with the topic
    ("乐山市市中区健康预期寿命2025年要达到多少岁？", True, "未在所选规划中找到"),  # a sentence of another measure
    ("乐山市市中区人均预期寿命2025年要达到多少岁？", False, "78.67"),
    ("福山区规划里普惠托育服务在哪一部分？", False, "14. 健全婴幼儿发展政策"),  # 规划里 glued onto 普惠
    ("济宁市禁毒工作由哪个部门牵头？", True, "禁毒"),  # a task named by a verb the plan never uses
    ("济宁市规划里鱼台县第二中医院的床位规模是多少？", True, "未在所选规划中找到"),  # a facility it never names
    ("济宁的规划中嘉祥县人民医院新院区建设项目由哪个部门负责？", False, "7.完善医院基础设施建设"),  # content
    ("济宁要创建几个全国基层中医药工作示范县？", False, "11个"),  # 示范县 is not the county 范县
    ("张店区“十四五”期间要争创几个齐鲁中医药优势专科集群成员专科？", False, "争创5个"),  # the plan's own period
    ("张店区到2030年要争创几个齐鲁中医药优势专科集群成员专科？", True, "未给出2030年"),
    ("福山区到2025年国家卫生乡镇比例要达到多少？要建多少个地铁站？", True, "未找到对“要建多少个地铁站”的回答"),
    ("福山区到2025年国家卫生乡镇比例要达到多少？省级卫生村比例要达到多少？", False, "省级卫生村比例达到100%"),
    ("福山区在急救体系方面谁牵头？参与部门有哪些？", False, "23. 加强急救体系建设"),  # 参与部门 is no topic
    ("家里有人急病时，福山区规划对120出车快慢有没有要求？2025年要达到多少？", False,
     "3分钟出车率达到95%"),  # 急病 → 急救 is in the cited section's title, not the line
    ("张店区到2025年工作场所职业病危害因素定期检测率要达到多少？要建设多少家职业病防治院？", True,
     "未找到对“要建设多少家职业病防治院”的回答"),  # 多少家 is not answered by a rate beside 职业病
    ("张店区到2025年工作场所职业病危害因素定期检测率要达到多少？要建成多少家健康企业？", False, "建成3家"),
    ("张店区工业企业申报职业病危害项目的比例2025年要达到多少？", False, "申报率达到95%以上"),  # another order
    ("乐山市市中区“十三五”期间孕产妇死亡率达到了多少？", False, "孕产妇死亡率达到0/10万"),  # its review section
    ("乐山市市中区2015年孕产妇死亡率是多少？", True, "未在所选规划中找到"),  # no period the plan reviews
    ("健康张店意见中每个社区卫生服务中心每年补助多少运行经费？", True, "未在所选规划中找到"),  # another's amount
    ("健康张店意见中每个村卫生室每年补助多少运行经费？", False, "每年补助1万元运行经费"),
    ("福山区对市级中医药重点专科给予多少万元补助？", True, "未在所选规划中找到"),
    ("健康张店意见对每个社区卫生服务站的年度运行经费补助多少元？", True, "未在所选规划中找到"),  # 村卫生室's own
    ("昌吉州到2022年孕产妇死亡率要控制在多少？", False, "16/10万"),  # the claim's own year decides
    ("海南省到2035年婴儿死亡率要降到多少？", True, "未给出2035年"),  # 展望2035年… above the table dates no row
    ("海南省到2025年婴儿死亡率要降到多少？", False, "3.5"),
    ("昌吉州2020年人均预期寿命是多少岁？", False, "76.3岁"),  # no record of 2020: the review prose states it
    ("昌吉州2018年人均预期寿命是多少岁？", True, "未给出2018年"),
    ("鹿城区15岁以上人群吸烟率2020年是多少？", True, "规划未给出该数值"),  # a "/" cell states no figure
    ("鹿城区15岁以上人群吸烟率2025年目标是多少？", False, "<20"),
    ("济宁三级医院平均住院日控制在几天？", False, "8天"),  # 几天 asks a figure
    ("福山区2025年每千人口注册护士数要达到多少？健康细胞要建成多少个？", False, "健康细胞70个"),  # asked alone
    ("福山区到2035年每千人口注册护士数要达到多少？健康细胞要建成多少个？", True, "未给出2035年"),  # with its year
    ("What are Fushan's 2025 targets for maternal mortality and neonatal mortality?", True,
     "未提及“新生儿死亡率”"),  # English "and": each part answered
    ("What are Fushan's 2025 targets for maternal mortality and infant mortality?", False, "孕产妇死亡率"),
    ("What is Zhangdian's prenatal screening rate target?", True, "最接近的指标"),  # A率、B率 lists no 产前
]


@pytest.mark.parametrize("question, abstains, says", RULES, ids=[r[2] for r in RULES])
def test_answer_and_abstain_rules(assistant, question, abstains, says):
    a = assistant.ask(question)
    assert a.abstained == abstains and says in body(a.text), a.text


def test_scope_by_short_names_and_pinyin_but_not_word_pieces(assistant):
    assert assistant.scope("Which chapter of the Hainan health plan covers mental health?", None).plans == (
        "hainan-health-plan",)
    assert "leshan-shizhong-health-plan" not in assistant.scope("城市中心医院的床位目标是多少？", None).plans
    assert assistant.scope("乐山市市中区的床位目标是多少？", None).plans == ("leshan-shizhong-health-plan",)


def test_unindexed_place_is_not_answered_from_another_plan(assistant):
    a = assistant.ask("成都市武侯区到2025年每千人口注册护士数要达到多少？")
    text = body(a.text)
    assert a.abstained and "规划库中没有成都市武侯区的规划" in text and "4.05" not in text
    assert a.nearby == ()  # no related plan: nothing from another district is shown as near


@pytest.mark.parametrize("question, role", [("哪项任务由区财政局牵头", "牵头"), ("区医保局参与了哪些任务", ""),
                                            ("区民政局牵头或参与了哪些任务", ""), ("区财政局承担哪些任务", "")])
def test_the_role_a_question_asks_about(question, role):
    from assistant.route import asked_role

    assert asked_role(question) == role


def test_a_unit_of_the_asked_level_only(assistant):
    text = body(assistant.ask("区卫健局牵头了哪些任务？").text)
    assert text.startswith("区卫生健康局牵头的任务") and "市卫生健康委" not in text and "（参与）" not in text


def test_answers_do_not_depend_on_the_hash_seed(index_dir, tmp_path):
    """Set and dict order must never choose an answer: the same questions under three hash seeds."""
    import json
    import os
    import subprocess
    import sys

    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps({"id": n, "question": q}, ensure_ascii=False) + "\n" for n, q in enumerate(
        ["区卫健局牵头了哪些任务？", "福山区哪项任务由区财政局牵头？", "市医保局参与了哪些任务？",
         "各地每千人口注册护士数2025年目标分别是多少？"])), encoding="utf-8")
    outputs = set()
    for seed in ("1", "2", "3"):
        run = subprocess.run([sys.executable, "-c", "from assistant.cli import main; main()", "ask", "--index",
                              str(index_dir), "--questions", str(questions)], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONHASHSEED=seed), check=True)
        rows = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
        for r in rows:
            r.pop("timings", None)
        outputs.add(json.dumps(rows, ensure_ascii=False, sort_keys=True))
    assert len(outputs) == 1


def test_a_claims_own_year_beats_its_paragraph(assistant):
    a = assistant.ask("昌吉州到2025年孕产妇死亡率要控制在多少？")
    assert "14/10万" in body(a.text) and "16/10万" not in body(a.text), a.text  # 到2022年 16/10万 is not 2025


@pytest.mark.parametrize("question", ["海南省和昌吉州到2025年居民健康素养水平分别要达到多少？",
                                      "每千人口床位数2025年要达到多少？"])  # a comparison; records of several plans
def test_lines_of_several_plans_each_name_their_plan(assistant, question):
    a = assistant.ask(question)
    lines = [ln for ln in body(a.text).splitlines() if "[" in ln]
    assert len(lines) >= 2 and all(ln.startswith("《") for ln in lines), a.text


def test_measure_words_come_from_one_table():
    from assistant.handlers import classify

    assert classify("三级医院平均住院日压到几天") == "target"
    assert classify("鼓励哪几家社区卫生服务中心加入医联体") == "passage"  # which ones, not how many


_WORDS = [ln.split("\t") for ln in table("indicator_words.tsv")]


@pytest.mark.parametrize("word, alias, question, indicator", _WORDS, ids=[w[0] for w in _WORDS])
def test_each_user_word_finds_its_indicator(word, alias, question, indicator):
    from assistant.facts import Target
    from assistant.indicators import match_indicator

    targets = [Target("p", name, "1") for name in dict.fromkeys(w[3] for w in _WORDS)]
    assert re.search(word, question) and alias in indicator  # the row's example uses its own word
    assert match_indicator(question, targets)[0].indicator == indicator


@pytest.mark.parametrize("question, kind", [
    ("阿坝州卫生健康规划的文号是什么？谁印发的？", "meta"),  # 谁 beside 文号 asks the issuer, not a task's lead
    ("州医保局牵头了哪些任务？", "unit_tasks"),  # 牵头 with 哪些任务 lists a unit's tasks
    ("谁牵头建设县域医共体？", "duty"),
    ("哪家医院牵头组建专科联盟？", "passage"),  # 哪家医院 asks a facility, not a department
    ("各区每千人口床位数分别要达到多少？", "compare"),
    ("每千人口床位数要达到多少？", "target"),
    ("规划对中医药传承有什么安排？", "passage"),
])
def test_the_first_handler_that_matches_decides_the_kind(question, kind):
    from assistant.handlers import HANDLERS, classify

    assert classify(question) == kind
    assert HANDLERS[-1].matches(question)  # Passage answers whatever no other handler takes


def test_hyphenated_english_words_and_family_doctors():
    from assistant.glossary import chinese_terms

    terms = chinese_terms("the contracted family-doctor coverage rate")
    assert "家庭医生" in terms and "全科医生" not in terms


def test_a_count_question_asks_no_measure():
    from assistant.verify import asked_measures

    assert asked_measures("到2025年有几家县级妇幼保健院要达到二级水平") == []  # a count of hospitals
    assert asked_measures("居民健康素养水平要达到多少") == ["居民健康素养水平"]


def test_an_indicator_listing_several_measures_conflicts_only_when_each_does():
    listed = "妇女常见病筛查率、“两癌”筛查覆盖率"
    assert modifier_conflict("prenatal screening rate 产前筛查率", listed) == "产前"
    assert modifier_conflict("妇女常见病筛查率要达到多少", listed) == ""


def test_english_and_asks_two_things():
    from assistant.glossary import chinese_terms
    from assistant.route import parts_of

    terms = chinese_terms("targets for infant mortality and neonatal mortality")
    assert terms == "婴儿死亡率和新生儿死亡率" and len(parts_of(terms)) == 2
    assert "和" not in chinese_terms("Who leads disease prevention and control?")  # one subject


@pytest.mark.parametrize("english", ["the systematic management rate of children under 3",
                                     "children under three systematic management rate"])
def test_a_specific_english_phrase_wins_over_its_general_part(english):
    from assistant.glossary import chinese_terms

    assert chinese_terms(english) == "3岁以下儿童系统管理率"  # not the bare 系统管理率, which 孕产妇 shares


@pytest.mark.parametrize("english, chinese", [("electronic medical records", "电子病历"), ("EMR rating", "电子病历 评级 级"),
                                              ("resident electronic health records", "电子健康档案")])
def test_medical_records_and_health_records_are_different_things(english, chinese):
    from assistant.glossary import chinese_terms

    assert chinese_terms(english) == chinese  # both together would make every passage need both

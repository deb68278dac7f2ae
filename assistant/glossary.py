"""English health-planning words → the Chinese terms plans use, so English questions find Chinese text.

This is domain vocabulary (how health plans name things), not knowledge of any one plan.
"""

from __future__ import annotations

import re

EN_ZH: tuple[tuple[str, str], ...] = (
    (r"registered nurses?|nurses?", "注册护士"),
    (r"general practitioners?|gps?\b|family doctors?", "全科医生"),
    (r"specialists?( doctors?)?|specialist physicians?", "专科医生"),
    (r"licensed (assistant )?physicians?|physicians?|doctors?", "执业（助理）医师"),
    (r"tcm|traditional chinese medicine|chinese medicine", "中医药"),
    (r"pharmacists?", "药师"),
    (r"public health (workers?|staff|personnel)", "公共卫生人员"),
    (r"public health", "公共卫生"),
    (r"hospital beds?|beds?", "床位"),
    (r"healthy life expectancy", "健康预期寿命"),
    (r"life expectancy", "人均预期寿命"),
    (r"infant mortality", "婴儿死亡率"),
    (r"maternal mortality", "孕产妇死亡率"),
    (r"under[- ]?(5|five) mortality|child mortality", "5岁以下儿童死亡率"),
    (r"premature (death|mortality)|chronic disease", "重大慢病过早死亡率 慢性病"),
    (r"health literacy", "健康素养水平"),
    (r"prenatal screening", "产前筛查率"),
    (r"systematic management|system management", "系统管理率"),
    (r"hospital stay|length of stay", "平均住院日"),
    (r"bed (occupancy|utili[sz]ation)", "床位使用率"),
    (r"electronic (medical|health) records?", "电子病历 电子健康档案"),
    (r"key specialt(y|ies)", "重点专科"),
    (r"health (workers?|personnel|staff)", "卫生人员 卫生技术人员"),
    (r"townships?", "乡镇"),
    (r"village clinics?", "村卫生室"),
    (r"community health (service )?(cent(er|re)s?|stations?)", "社区卫生服务中心"),
    (r"emergency stations?", "急救站点"),
    (r"pre-?hospital", "院前"),
    (r"radius", "服务半径"),
    (r"negative[- ]pressure", "负压"),
    (r"years?", "年"),
    (r"village doctors?|rural doctors?", "乡村医生"),
    (r"subsid(y|ies)|allowance", "补助"),
    (r"documents? number|issuing number", "文号"),
    (r"smoking", "吸烟率"),
    (r"myopia|nearsighted", "近视率"),
    (r"childcare|nursery|daycare|infants? care|toddler", "婴幼儿 托位"),
    (r"elderly|older (people|adults)|aged care|geriatric", "老年"),
    (r"emergency (medical )?(care|rescue|system)|first aid|ambulances?", "急救"),
    (r"mental health|psychological", "精神卫生 心理健康"),
    (r"smart (healthcare|hospital)|digital health|internet", "智慧医疗 互联网+医疗健康 信息化"),
    (r"medical alliances?|medical consortium|medical groups?", "医联体 医共体 医疗联合体"),
    (r"tiered (diagnosis|care)|referral", "分级诊疗"),
    (r"family doctor contract|contract(ed)? services?", "家庭医生签约服务"),
    (r"insurance", "医保 医疗保障"),
    (r"vaccin\w*|immuni[sz]ation", "疫苗 免疫规划"),
    (r"tuberculosis|\btb\b", "肺结核"),
    (r"disease (prevention and )?control|cdcs?", "疾病预防控制 疾控"),
    (r"sub-?cent(re|er)s?", "次中心"),
    (r"occupational (health|disease)", "职业健康 职业病"),
    (r"hypertension|diabetes", "高血压 糖尿病"),
    (r"maternal and child health (hospital|cent(re|er))s?", "妇幼保健院"),
    (r"maternal|women", "妇幼 孕产妇"),
    (r"salary|salaries|pay|compensation", "薪酬"),
    (r"talent|personnel", "人才"),
    (r"fitness|sports?", "全民健身 体育"),
    (r"patriotic health|sanitation", "爱国卫生"),
    (r"food safety", "食品安全"),
    (r"budget|invest(ment)?|funding|money", "投资 资金 投入"),
    (r"health industry", "健康产业"),
    (r"lead(s|ing)?|in charge", "牵头"),
    (r"responsible|responsibility", "责任单位 负责"),
    (r"take part|participat\w*|support(ing)? (units?|departments?)", "参与部门"),
    (r"target|goal|aim", "目标"),
    (r"opinions?", "意见"),
    (r"plan", "规划"),
    (r"per (1,?000|thousand)", "每千人口"),
    (r"per (10,?000|ten thousand)", "每万人口"),
)
_PATTERNS = tuple((re.compile(rf"\b(?:{en})\b", re.I), zh) for en, zh in EN_ZH)


def chinese_terms(question: str) -> str:
    """Chinese terms for the English words of a question ('' when there are none)."""
    found, taken = [], []
    for pat, zh in _PATTERNS:
        for m in pat.finditer(question):
            if not any(a <= m.start() < b for a, b in taken):
                taken.append(m.span())
                found.append(zh)
    return " ".join(dict.fromkeys(found))


def expand(question: str) -> str:
    """The question plus Chinese terms for its English words, for retrieval and routing."""
    extra = chinese_terms(question)
    return f"{question} {extra}" if extra else question

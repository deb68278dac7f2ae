"""Government unit names: unit lists, telling a body from a hospital, comparing names across abbreviations.

Plans name the same body in several ways (区卫生健康局 / 区卫健局, 区发展和改革委员会 / 区发展改革委 /
区发展和改革局) and users use the short forms. Names are compared through a canonical key built from the
general rules of how Chinese government bodies are abbreviated, never from a list of the plans' units.
"""

from __future__ import annotations

import re

from .text import flat

# Full function names → the customary short form (regexes, longest first where one contains another).
STEMS: tuple[tuple[str, str], ...] = (
    ("机构编制委员会办公室", "编办"),
    ("爱国卫生运动委员会办公室", "爱卫办"),
    ("网络安全和信息化委员会办公室", "网信办"),
    ("精神文明建设委员会办公室", "文明办"),
    ("爱国卫生运动委员会", "爱卫会"),
    ("国有资产监督管理委员会", "国资委"),
    ("疾病预防控制", "疾控"),
    ("卫生和计划生育", "卫计"),
    ("计划生育协会", "计生协"),
    ("卫生计生", "卫计"),
    ("卫生健康", "卫健"),
    ("发展和改革", "发改"),
    ("发展改革", "发改"),
    ("人力资源和社会保障", "人社"),
    ("人力资源社会保障", "人社"),
    ("人力社保", "人社"),
    ("医疗保障", "医保"),
    ("市场监督管理", "市场监管"),
    ("市监局", "市场监管局"),
    ("教育和体育", "教体"),
    ("教育体育", "教体"),
    ("住房和城乡建设", "住建"),
    ("住房城乡建设", "住建"),
    ("工业和信息化", "工信"),
    ("经济和信息化", "经信"),
    ("经济信息化", "经信"),
    ("自然资源和规划", "自然资源"),
    ("自规局", "自然资源局"),
    ("科学技术协会", "科协"),
    ("科学技术", "科技"),
    ("应急管理", "应急"),
    ("文化体育广播电视和旅游", "文体广旅"),
    ("文化广电体育和旅游", "文广体旅"),
    ("文化广电和旅游", "文广旅"),
    ("文化体育和旅游", "文体旅"),
    ("文化和旅游", "文旅"),
    ("文化旅游", "文旅"),
    ("交通运输", "交通"),
    ("公安分局", "公安局"),  # a district's 公安分局 is its police bureau (区公安分局 = 区公安局)
    ("药品监督管理", "药监"),
    ("民族宗教事务", "民宗"),
    ("机关事务管理", "机关事务"),
    ("人民防空", "人防"),
    ("环境保护局", "生态环境局"),
    ("环保局", "生态环境局"),
    ("退役军人事务", "退役军人"),
    ("行政审批服务", "行政审批"),
    ("(?<!行政)审批局", "行政审批局"),
    ("城市管理", "城管"),
    ("综合行政执法", "综合执法"),
    ("妇女联合会", "妇联"),
    ("残疾人联合会", "残联"),
    ("银行保险监督管理", "银保监"),
    ("广播电视", "广电"),
    ("林业和草原", "林草"),
    ("外事办公室", "外办"),
    ("人民政府办公室", "政府办"),
    ("(?<!政)府办", "政府办"),
    ("人民政府", "政府"),
)
# Committees that are never the 局 of another level (the rest: 卫健委 ≈ 卫健局, 发改委 ≈ 发改局).
_TRUE_COMMITTEES = ("政法", "国资", "纪", "编", "网信", "农", "区", "市", "县", "")
_NOT_PLACE = re.compile(r"(?:城市|都市|社区|园区|街区|景区|校区|院区|片区|辖区|城区|市区|郊区|山区|牧区|林区|矿区|灾区)$")
_PLACE = re.compile(r"^(?:[\u4e00-\u9fa5]{2,5}?(?:省|自治区|自治州|市|区|县|旗))+")
_LEVEL = re.compile(r"^(省|市|区|县|州|盟|旗|镇|乡)(?![场政域容直级])")
_BRANCH = re.compile(r"^(.+?[局委办])[\u4e00-\u9fa5]{2,4}分局$")
_BODY_END = re.compile(
    r"(?:局|委|办|委员会|办公室|政府|部|厅|分局|工会|妇联|残联|科协|团委|管委会|办事处|中心|部门|单位|园区|镇|街道)$"
)
_NOT_BODY = re.compile(r"医院|卫生院|卫生室|机构|学校|企业|公司|集团|医共体|医联体|[（(]")
_GROUP = re.compile(r"^(.+?)等((?:[区市县]直)?(?:各|其他)?(?:有关|相关)?(?:部门|单位))$")


def _plain(name: str) -> str:
    return re.sub(r"[“”\"']", "", flat(name))


def _parse(name: str) -> tuple[str, str, str]:
    """(level, place, canonical body): 区/市/县, a named place (张店区) and the abbreviated name."""
    s = _plain(name)
    for full, short in STEMS:
        s = re.sub(full, short, s)
    level = place = ""
    m = None if s.startswith("各") else _PLACE.match(s)
    if m and len(m.group()) < len(s) and not _NOT_PLACE.search(m.group()) and s[m.end()] not in "场政域容直级":
        level, place, s = m.group()[-1], m.group(), s[m.end():]
    m = _LEVEL.match(s)
    if m and len(s) > 1:
        level, s = level or m.group(1), s[1:]
    if s.startswith("委") and len(s) > 1 and not s.startswith("委员会"):
        s = s[1:]  # party organ: 区委组织部, 区委编办
    s = re.sub(r"委员会(?=$|[\u4e00-\u9fa5]{2,4}分局$)", "委", s).replace("办公室", "办")
    m = re.match(r"^(.+?)委(?=$|[\u4e00-\u9fa5]{2,4}分局$)", s)
    if m and m.group(1) not in _TRUE_COMMITTEES and not m.group(1).endswith("管"):
        s = f"{m.group(1)}局{s[m.end():]}"
    return level, place, s


def unit_level(name: str) -> str:
    """The level a unit name states (区, 市, 县, 旗 …), or ""."""
    return _parse(name)[0]


def normalise_unit(name: str) -> str:
    """Canonical key for comparing unit names: 区卫生健康局 and 卫健委 both give 卫健局."""
    return _parse(name)[2]


def _stem(body: str) -> str:
    """区卫健局 → 卫健 (a user's 卫健); never to another body (政府办 is not 政府)."""
    if len(body) > 2 and body[-1] in "局委办部会" and not _BODY_END.search(body[:-1]):
        return body[:-1]
    return body


def unit_matches(query: str, unit: str) -> bool:
    """Does a user's mention (卫健局, 区发改委, 医保 …) name this unit of a plan?

    The level (区/市/县) only has to agree when both sides state it; a 分局 of a higher-level bureau
    (市医疗保障局张店分局) answers to the bureau's name at any level.
    """
    q_level, q_place, q = _parse(query)
    u_level, _, u = _parse(unit)
    if len(q) < 2 or not u:
        return False
    branch = _BRANCH.match(u)
    if q_level and u_level and q_level != u_level and not branch:
        return False
    if q == u or q == _stem(u):
        return True
    if branch and (not q_place or q_place[:2] in u[len(branch.group(1)) :]):
        base = branch.group(1)
        return q in (base, _stem(base))
    return False


def looks_like_body(name: str) -> bool:
    """A government body or group of them (not a hospital or a project) — guards free-text "由…牵头".

    A 中心 counts only with a level prefix (区大数据中心), not 辖区疾病预防控制中心.
    """
    s = _plain(name)
    if s.endswith("中心") and not _LEVEL.match(s):
        return False
    return 2 <= len(s) <= 40 and bool(_BODY_END.search(s)) and not _NOT_BODY.search(s)


def names_body(name: str) -> bool:
    """A named government body, the only subject a prose sentence may give a duty to.

    Stricter than looks_like_body: the name states its level or place (区卫生健康局, 旗卫生健康委,
    各县市人民政府), so "卫生健康部门", "有关部门" or "各级医疗机构" never become a department's duty.
    """
    s = _plain(name)
    if not looks_like_body(s) or re.search(r"(?:部门|单位)$", s):
        return False
    return bool(_LEVEL.match(s) or s.startswith("各") or (_PLACE.match(s) and not _NOT_PLACE.search(_PLACE.match(s).group())))


def split_units(text: str) -> tuple[str, ...]:
    """Split a note's unit list on 、，,；; keeping groups (各镇街园区, 区各职能部门) whole.

    "X等区直有关部门" gives X and the group; a trailing bare "等" is dropped; "区财政局和区人社局"
    splits only where 和 (or 会同) joins two named bodies (区教育和体育局 stays one).
    """
    out: list[str] = []
    for piece in re.split(r"[、，,；;]|(?<=[局委办部会])(?:和|及|与|以及|会同)(?=[区市县省州盟旗各])", text):
        piece = _plain(piece).strip("。.：:")
        if not piece:
            continue
        m = _GROUP.match(piece)
        if m:
            out.extend(p for p in (m.group(1), m.group(2)) if p)
            continue
        piece = re.sub(r"等(?:部门|单位)?$", "", piece)
        if piece:
            out.append(piece)
    return tuple(out)

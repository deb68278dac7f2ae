"""Which plans a question is about, decided by the places it names (gazetteer) before any search.

A question that names a place with no plan in the index must never be answered from another place's plan
("成都市武侯区…注册护士" answered with 福山区's figure). Parent and child places are told apart: 烟台市 is not
福山区, and 济宁市's plan is not 任城区's; both are said explicitly instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .meta import Plan
from .places import Place, find_places, find_places_en, most_specific, place_of
from .search import by_kind, normalise, plans_named

# a place followed by a plan word names that place's plan ("济宁市规划", "乐山市市中区“十四五”卫生健康发展规划")
_NAMES_PLAN = re.compile(r"的?(?:“?十[一二三四五六]五”?)?[\u4e00-\u9fff“”]{0,14}?(?:规划|方案|意见|计划|纲要)")


@dataclass(frozen=True)
class Scope:
    plans: tuple[str, ...]  # plan ids to search; () = all plans
    missing: tuple[Place, ...] = ()  # places the question names that no indexed plan covers


def plan_places(plans: list[Plan]) -> dict[str, Place | None]:
    """Each plan's jurisdiction as a gazetteer place (None when its metadata names none)."""
    return {p.id: place_of(p.title, p.jurisdiction, p.issuer) for p in plans}


def scope_of(question: str, plans: list[Plan], places: dict[str, Place | None]) -> Scope:
    """Plans of the places the question names (gazetteer) and of the short names or titles it uses; else all.

    A place followed by a plan word ("济宁市规划中…") names the plan; the places inside it that the
    question mentions are then its content, not other plans. When the question names places and none of
    them has a plan, the scope is empty and ``missing``
    says which; a place named beside one that has a plan (a sibling in a comparison, a place mentioned
    in passing) is kept in ``missing`` too so the answer can say it has no plan.
    """
    found = sorted(find_places(question) + find_places_en(question), key=lambda p: p.start)
    naming = [p for p in found if _NAMES_PLAN.match(question, p.end)]  # "济宁市规划中邹城市…": the plan is 济宁's
    by_name = set(plans_named(question, plans))  # short names the gazetteer does not list (福山, 张店, fushan)
    has_plan = [p for p in found if any(pl and pl.same(p) for pl in places.values())]
    parents = has_plan + [places[p.id] for p in plans if p.id in by_name and places.get(p.id)]
    # a place named apart from, and inside, a place with a plan is that plan's content ("济宁…嘉祥县人民医院");
    # "济宁市任城区" written as one name asks about 任城区 itself
    inner = [p for p in found if p not in has_plan and any(p.within(q) for q in parents)]
    named = most_specific([p for p in (naming or found) if p not in inner])
    covered = [p for p in plans if places.get(p.id) and any(places[p.id].same(n) for n in named)]
    missing = tuple(n for n in named if not any(pl and pl.same(n) for pl in places.values())) + tuple(inner)
    if not covered and missing:
        return Scope((), missing)  # "济宁市任城区" is not 济宁市: no fallback to short names
    found = [p for p in plans if p in covered or p.id in by_name]
    if covered:
        found = by_kind(normalise(question), found)
    return Scope(tuple(p.id for p in found), missing)


def related(place: Place, plans: list[Plan], places: dict[str, Place | None]) -> tuple[list[Plan], list[Plan]]:
    """Indexed plans of places inside the given place, and of places containing it."""
    inside = [p for p in plans if places.get(p.id) and places[p.id].within(place)]
    above = [p for p in plans if places.get(p.id) and place.within(places[p.id])]
    return inside, above


def unindexed_text(missing: tuple[Place, ...], plans: list[Plan], places: dict[str, Place | None],
                   english: bool = False) -> str:
    """What to say when the question's places have no plan: which, what is near, what is indexed."""
    lines = []
    for m in missing:
        inside, above = related(m, plans, places)
        if english:
            lines.append(f"The plan library has no plan for {m.text} ({m.name}).")
        else:
            lines.append(f"规划库中没有{m.text}的规划。")
        for p in inside:
            lines.append(f"{m.text}下辖的{places[p.id].name}有《{p.title}》，但其内容只适用于{places[p.id].name}。")
        for p in above:
            lines.append(f"其上级{places[p.id].name}有《{p.title}》，该规划未必对{m.text}单独作出规定。")
    titles = "、".join(f"《{p.title}》" for p in plans[:20]) + (" 等" if len(plans) > 20 else "")
    lines.append(("Indexed plans: " if english else "已收录的规划：") + titles)
    return "\n".join(lines)

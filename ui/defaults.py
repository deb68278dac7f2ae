"""Example questions, the question box's placeholder and the warm-up question, built from the loaded plans.

Nothing about particular plans is written into the UI: a deployment for another province shows questions
about its own plans, each made from a real extracted target, duty or heading, so a click on an example
gives an answer rather than a refusal. Deterministic: the same index gives the same examples.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from assistant.parse import HEADING_STYLES

from .targets import merge_targets

GENERIC = [
    "规划提出的主要发展目标是什么？",
    "规划中哪些任务由卫生健康部门牵头？",
    "规划里发展目标写在哪一节？",
]
MAX_TASK_CHARS = 20  # a longer task name makes an unwieldy example question
_YEAR = re.compile(r"\d{4}")


def place(plan) -> str:
    """How a question names a plan: its place, else its title in 《》."""
    return plan.jurisdiction or f"《{plan.title}》"


def bare(heading: str) -> str:
    """A heading or task without its numbering (一、 / （三） / 2. / 第四章): the words a user would say."""
    text = (heading or "").strip()
    for _, pat in HEADING_STYLES:
        m = pat.match(text)
        if m:
            return text[m.end():].strip(" 　.．、")
    return text


def _target_question(plans, rows) -> tuple[str, str] | None:
    by_id = {p.id: p for p in plans}
    for row in rows:  # plan order, then document order; an indicator-table row first
        if row.past or row.plan not in by_id or not row.value:
            continue
        year = "".join(_YEAR.findall(row.fields.get("target_year", "")))[:4]
        when = f"到{year}年" if year else ""
        return row.plan, f"{place(by_id[row.plan])}{when}{row.name}要达到多少？"
    return None


def _duty_question(plans, duties, avoid: str | None) -> str | None:
    by_id = {p.id: p for p in plans}
    order = {p.id: i for i, p in enumerate(plans)}
    fit = [d for d in duties if d.plan in by_id and (d.lead or d.responsible)
           and 4 <= len(bare(d.task)) <= MAX_TASK_CHARS]
    fit.sort(key=lambda d: (d.plan == avoid, order[d.plan], d.start))
    if not fit:
        return None
    d = fit[0]
    ask = "由哪个部门牵头" if d.lead else "的责任单位有哪些"
    return f"{place(by_id[d.plan])}规划中{bare(d.task)}{ask}？"


def _locate_question(plans, records, avoid: str | None) -> str | None:
    by_id = {p.id: p for p in plans}
    order = {p.id: i for i, p in enumerate(plans)}
    for r in sorted(records, key=lambda r: (r.plan == avoid, order.get(r.plan, len(order)), r.start)):
        section = getattr(r, "section", ()) or ()
        heading = bare(section[-1]) if section and r.plan in by_id else ""
        if 4 <= len(heading) <= MAX_TASK_CHARS and not heading.startswith("专栏"):
            return f"{place(by_id[r.plan])}规划里{heading}写在哪一节？"
    return None


def shared_indicator(plans: Sequence, targets: Sequence) -> tuple[str, list] | None:
    """The indicator most plans state (ties: the first stated), with the plans stating it, in plan order."""
    rows = [r for r in merge_targets(targets, plans) if not r.past]
    holders: dict[str, list[str]] = {}
    for r in rows:
        holders.setdefault(r.name, [])
        if r.plan not in holders[r.name]:
            holders[r.name].append(r.plan)
    counts = Counter({name: len(ids) for name, ids in holders.items()})
    if not counts:
        return None
    name = max(counts, key=lambda n: (counts[n], -list(holders).index(n)))
    order = [p for p in plans if p.id in holders[name]]
    return name, order


def _compare_question(plans, targets) -> str | None:
    with_place = [p for p in plans if p.jurisdiction]
    if len({p.jurisdiction for p in with_place}) < 2:
        return None
    shared = shared_indicator(with_place, targets)
    if not shared or len({p.jurisdiction for p in shared[1]}) < 2:
        return None
    name, holders = shared
    a = holders[0]
    b = next(p for p in holders if p.jurisdiction != a.jurisdiction)
    return f"{a.jurisdiction}和{b.jurisdiction}的{name}目标分别是多少？"


def example_questions(plans: Sequence, targets: Sequence, duties: Sequence) -> list[str]:
    """Up to four examples from the loaded plans: a target, a duty, a locate and (with two or more places)
    a compare question; generic questions when the index has none of these."""
    order = {p.id: i for i, p in enumerate(plans)}
    rows = sorted(merge_targets(targets, plans),  # stable: document order within a plan, table rows first
                  key=lambda r: (order.get(r.plan, len(order)),
                                 not any(getattr(t, "source", "table") == "table" for t in r.records)))
    target = _target_question(plans, rows)
    first = target[0] if target else None
    out = [q for q in (target[1] if target else None, _duty_question(plans, duties, first),
                       _locate_question(plans, [*duties, *targets], first), _compare_question(plans, targets)) if q]
    return list(dict.fromkeys(out)) or list(GENERIC)


def same_default(plans: Sequence, targets: Sequence) -> str:
    """The indicator the cross-plan view opens with: the one most plans state; empty without targets."""
    shared = shared_indicator(plans, targets)
    return shared[0] if shared else ""


def follow_up_hint(plans: Sequence) -> str:
    """The intro's follow-up example ("那某区呢？") with the second loaded place, or a neutral one."""
    places = list(dict.fromkeys(p.jurisdiction for p in plans if p.jurisdiction))
    return f"“那{places[1]}呢？”" if len(places) >= 2 else "“那另一个地区呢？”"

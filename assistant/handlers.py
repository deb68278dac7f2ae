"""One handler per question kind: ``matches`` reads the question's wording, ``answer`` the structured facts.

The first handler in ``HANDLERS`` that matches decides the kind, so the order is the precedence (a 文号
question is meta even when it says 谁; "牵头了哪些任务" lists a unit's tasks before "牵头" asks a duty).
``answer`` returns a ``route.Reply`` or None, which falls back to passage search; the ``Assistant``
orchestrates, turning spans into citations and checking year and multi-part afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from . import route
from .answer import asked_unit, gives_amount
from .formatting import renumber
from .text import flat
from .verify import named_facilities

if TYPE_CHECKING:
    from .core import Assistant

# units a plan writes beside the figure itself (a table's 岁, 人, 级 may sit in its unit column instead)
COUNTED_UNITS = frozenset("元张辆台套支")


@dataclass(frozen=True)
class Asked:
    """One question as the handlers see it: the user's words, the expanded query, the plans in scope."""

    q: str
    query: str
    plan_ids: tuple[str, ...]
    hits: tuple = ()


class Handler(Protocol):
    kind: str

    def matches(self, question: str) -> bool: ...

    def answer(self, a: Assistant, asked: Asked) -> route.Reply | None: ...


def _titles(a: Assistant) -> dict[str, str]:
    return {p.id: p.title for p in a.plans}


def _in_scope(a: Assistant, asked: Asked) -> set[str]:
    return set(asked.plan_ids) or {p.id for p in a.plans}


def _scoped_duties(a: Assistant, asked: Asked) -> list:
    scoped = _in_scope(a, asked)
    return [d for d in a.duties if d.plan in scoped]


def _duty_reply(a: Assistant, asked: Asked, duties: list, titled: bool = False) -> route.Reply | None:
    """The duty answer for the task the question's topic names, checking a unit the question names."""
    plan_ids = list(asked.plan_ids)
    unit = route.unit_named(a._place_free(asked.query, plan_ids), duties)
    about = asked.query.replace(unit, " ") if unit else asked.query  # the task's topic, without the asked unit
    about = route.PLAN_PERIOD.sub(" ", route.UNIT_TASKS_Q.sub(" ", about))
    weights = a._subject_weights(about, plan_ids)
    return route.answer_duty(weights, duties, _titles(a), a._by_plan, a.texts, unit,
                             a._place_free(about, plan_ids), titled)


class Meta:
    """文号, issuer, issue date: read from the plan's identity, never from a passage."""

    kind = "meta"

    def matches(self, question: str) -> bool:
        return bool(route.META_Q.search(question))

    def answer(self, a: Assistant, asked: Asked) -> route.Reply | None:
        scoped = _in_scope(a, asked)
        return route.answer_meta([p for p in a.plans if p.id in scoped], a.texts)


class UnitTasks:
    """"区医保局在X任务里负责什么" asks about one task; "区医保局牵头了哪些任务" lists that unit's tasks."""

    kind = "unit_tasks"

    def matches(self, question: str) -> bool:
        return bool(route.UNIT_TASKS_Q.search(question))

    def answer(self, a: Assistant, asked: Asked) -> route.Reply | None:
        duties = _scoped_duties(a, asked)
        return (_duty_reply(a, asked, duties, titled=True)
                or route.answer_unit_tasks(asked.q, duties, _titles(a), a._by_plan))


class Duty:
    """"谁牵头X": the lead and partner units of the task that covers the topic."""

    kind = "duty"

    def matches(self, question: str) -> bool:
        return bool(route.DUTY_Q.search(question)) and not route.NOT_DUTY_Q.search(question)

    def answer(self, a: Assistant, asked: Asked) -> route.Reply | None:
        duties = _scoped_duties(a, asked)
        if asked.plan_ids and not duties and not any(a._states_duties(p) for p in asked.plan_ids):
            titles = _titles(a)
            names = "、".join(f"《{titles[p]}》" for p in asked.plan_ids)  # only a plan that words no duty
            return route.Reply("duty", (f"{names}未列明各项任务的牵头或责任部门。",), (), abstained=True)
        return _duty_reply(a, asked, duties)


class Target:
    """"X要达到多少": the indicator record of the asked measure, for the asked period."""

    kind = "target"

    def matches(self, question: str) -> bool:  # a bare indicator name ("每万人口专科医生数") asks its figure
        return bool(route.TARGET_Q.search(question) or route.MEASURE_END.search(route.topic_chars(question)))

    def answer(self, a: Assistant, asked: Asked) -> route.Reply | None:
        plan_ids = list(asked.plan_ids)
        scoped = _in_scope(a, asked)
        topic = a._place_free(asked.query, plan_ids)
        targets = a._indicators.candidates(topic, scoped)
        order = [p.id for p in a.plans if p.id in scoped]
        reply = route.answer_targets(topic, self.kind, targets, order, _titles(a), bool(plan_ids), a._sentence_of,
                                     a.texts)
        facilities = named_facilities(asked.query)
        if reply and not reply.abstained and facilities:  # the record must be about the named facility
            keep = [i for i, sp in enumerate(reply.spans)
                    if a._names_all(facilities, flat(a._context(sp.plan, sp.start, sp.end)), plan_ids)]
            if not keep:
                return None
            reply = route.Reply(reply.kind, renumber([reply.lines[i] for i in keep]),
                                tuple(reply.spans[i] for i in keep))
        unit = asked_unit(asked.q)
        if (reply and not reply.abstained and unit in COUNTED_UNITS
                and not any(gives_amount(line, unit) for line in reply.lines)):
            return None  # "多少张床位" is not answered by "建成2个病区": the passages decide, and may abstain
        return reply


class Compare(Target):
    """"各区X分别是多少": one line per plan in scope, "未提及" included."""

    kind = "compare"

    def matches(self, question: str) -> bool:
        return bool(route.COMPARE_Q.search(question)) and super().matches(question)


class Passage:
    """Everything else: no structured record answers; the passages decide, and may abstain."""

    kind = "passage"

    def matches(self, question: str) -> bool:
        return True

    def answer(self, a: Assistant, asked: Asked) -> route.Reply | None:
        return None


HANDLERS: tuple[Handler, ...] = (Meta(), UnitTasks(), Duty(), Compare(), Target(), Passage())


def handler_for(question: str) -> Handler:
    """The first handler whose wording matches; Passage matches every question."""
    return next(h for h in HANDLERS if h.matches(question))


def classify(question: str) -> str:
    """meta | unit_tasks | duty | compare | target | passage — from the question's own wording."""
    return handler_for(question).kind

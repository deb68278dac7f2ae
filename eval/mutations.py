"""Break one answer/abstain rule on purpose and show whether the gate (eval/thresholds.json) sees it.

    python -m eval.mutations [NAME …] [--index index/eval]     (default: every mutation)

Each mutation patches one rule of the running process only (nothing on disk changes), runs the whole known-
answer set and prints its figures and the gate's verdict. A rule whose break passes the gate is a rule the
eval cannot see: write questions for it.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from assistant.settings import EVAL_INDEX, EVAL_QUESTIONS

HERE = Path(__file__).resolve().parent  # thresholds.json is package data beside this file


def _swap_target_and_baseline():
    from assistant import route

    line = route.target_line
    route.target_line = lambda t, english=False: line(replace(t, value=t.baseline or t.value, baseline=t.value), english)


def _duty_note_of_top_hit():
    from assistant import handlers, route

    answer = handlers.Duty.answer

    def top_hit(self, a, asked):
        if asked.hits:
            c = a.chunks[asked.hits[0].row]
            for d in a.duties:
                if d.plan == c.plan and (d.section == c.section or c.start <= d.start < c.end):
                    title = a._plan[d.plan].title
                    return route.Reply("duty", (f"《{title}》{route.duty_line(d)}[1]",), (route.note_span(d, a._by_plan),))
        return answer(self, a, asked)

    handlers.Duty.answer = top_hit


def _place_without_plan_searches_all():
    from assistant import core
    from assistant.scope import Scope

    scope = core.Assistant.scope
    core.Assistant.scope = lambda self, q, plans: (lambda s: Scope(s.plans) if not s.plans else s)(scope(self, q, plans))


def _ignore_asked_year():
    from assistant import core

    core.Assistant._years_stated = lambda self, reply, years: reply
    core.Assistant._with_years = lambda self, picked, hits, years, own_period=True, every_year=False: picked
    core.Assistant._prose_of_year = lambda self, q, query, reply, hits, plan_ids, years: None


def _no_indicator_identity():
    from assistant import route

    route.modifier_conflict = lambda question, indicator: ""


def _no_topic_presence():
    from assistant import core

    core.Assistant._absent = lambda self, query, plan_ids: []
    core.Assistant._on_topic = lambda self, picked, hits, query, plan_ids: picked


def _no_unit_listed_check():
    from assistant import route

    route.unit_named = lambda question, duties: ""


def _no_multi_part_check():
    from assistant import route

    route.parts_of = lambda question: []


def _no_asked_measure_check():
    from assistant import core, route

    core.states_measure = lambda question, sentence: True
    route.names_measure = lambda question, indicator: True


def _no_named_facility_check():
    from assistant import core

    core.Assistant._names_all = lambda self, facilities, where, plan_ids: True


def _no_amount_unit_check():
    from assistant import answer, core, handlers

    answer.gives_amount = core.gives_amount = handlers.gives_amount = lambda text, unit: True


def _no_amount_subject_check():
    from assistant import core

    core.Assistant._amount_named = lambda self, q, query, picked, hits, plan_ids: picked


def _no_every_question_check():
    from assistant import core

    core.Assistant._every_question_answered = lambda self, answer, plan_ids: answer


def _paragraph_year_decides():
    from assistant import core

    core.claim_years = lambda claim: ()


def _no_prose_of_year():
    from assistant import core

    core.Assistant._prose_of_year = lambda self, q, query, reply, hits, plan_ids, years: None


def _amount_subject_from_sentence_before():
    import re

    from assistant import core

    core.FACILITY_WORD = re.compile(r"(?!)")  # the sentence before always counts


def _no_question_asked_alone():
    from assistant import core

    every = core.Assistant._every_question_answered
    core.Assistant._every_question_answered = lambda self, answer, plan_ids: every(
        self, answer, plan_ids) if answer.abstained else _note_only(self, answer, plan_ids, every)


def _note_only(self, answer, plan_ids, every):
    ask = self.ask
    self.ask = lambda q, plans=None: replace(ask(q, plans), abstained=True)  # a part asked alone is never answered
    try:
        return every(self, answer, plan_ids)
    finally:
        self.ask = ask


def _part_unit_not_checked():
    from assistant import core

    core.gives_amount = lambda text, unit: True  # core reads it only where a part's answer is checked


def _facility_project_reordered():
    from assistant import core, verify

    names_in = verify.names_in

    def any_project(name, text):  # the facility exception removed: every 项目's words may be reordered
        import jieba

        if names_in(name, text):
            return True
        words = [w for w in jieba.lcut(name) if w.strip()] if name.endswith(verify._ITEM) else []
        return bool(words) and any(all(w in clause for w in words) for clause in verify._CLAUSE.split(text))

    verify.names_in = core.names_in = any_project


def _english_places_ignored():
    from assistant import scope

    scope.find_places_en = lambda text: []


MUTATIONS = {
    "swap-target-baseline": _swap_target_and_baseline,
    "duty-note-of-top-hit": _duty_note_of_top_hit,
    "place-without-plan-searches-all": _place_without_plan_searches_all,
    "ignore-asked-year": _ignore_asked_year,
    "no-indicator-identity": _no_indicator_identity,
    "no-topic-presence": _no_topic_presence,
    "no-unit-listed-check": _no_unit_listed_check,
    "no-multi-part-check": _no_multi_part_check,
    "no-asked-measure-check": _no_asked_measure_check,
    "no-named-facility-check": _no_named_facility_check,
    "no-amount-unit-check": _no_amount_unit_check,
    "no-amount-subject-check": _no_amount_subject_check,
    "no-every-question-check": _no_every_question_check,
    "part-unit-not-checked": _part_unit_not_checked,
    "facility-project-reordered": _facility_project_reordered,
    "english-places-ignored": _english_places_ignored,
    "paragraph-year-decides": _paragraph_year_decides,
    "no-prose-of-year": _no_prose_of_year,
    "amount-subject-from-sentence-before": _amount_subject_from_sentence_before,
    "no-question-asked-alone": _no_question_asked_alone,
}


def gate_failures(overall: dict, gate: dict) -> list[str]:
    checks = [("wrong_rate", overall["wrong_rate"] > gate["wrong_rate_max"], gate["wrong_rate_max"]),
              ("accuracy", overall["accuracy"] < gate["accuracy"], gate["accuracy"]),
              ("hit@5", overall["hit"][5] < gate["hit@5"], gate["hit@5"]),
              ("abstention", overall["abstention"] < gate["abstention"], gate["abstention"]),
              ("false_refusals", overall["false_refusals"] > gate["false_refusals_max"], gate["false_refusals_max"])]
    return [f"{name} {overall['hit'][5] if name == 'hit@5' else overall[name]:.3f} vs {limit}"
            for name, failed, limit in checks if failed]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"mutations to run (default: all): {', '.join(MUTATIONS)}")
    ap.add_argument("--index", default=str(EVAL_INDEX))
    args = ap.parse_args()
    unknown = [n for n in args.names if n not in MUTATIONS]
    if unknown:
        ap.error(f"unknown mutation {unknown[0]!r}; choose from {', '.join(MUTATIONS)}")
    import multiprocessing as mp

    gate = json.loads((HERE / "thresholds.json").read_text(encoding="utf-8"))
    for name in args.names or MUTATIONS:
        with mp.get_context("spawn").Pool(1) as pool:  # a fresh process per mutation: patches never leak
            overall = pool.apply(_run, (name, args.index))
        failed = gate_failures(overall, gate)
        figures = "  ".join(f"{k} {overall[k]:.3f}" for k in ("wrong_rate", "accuracy", "abstention", "false_refusals"))
        print(f"{name:34} {figures}  hit@5 {overall['hit'][5]:.3f}  ->",
              ("gate FAILS: " + "; ".join(failed)) if failed else "gate passes (the eval does not see this rule)")


def _run(name: str, index: str) -> dict:
    from assistant import Assistant
    from eval.runner import evaluate

    MUTATIONS[name]()
    return evaluate(Assistant.load(index), EVAL_QUESTIONS)["full"]["overall"]


if __name__ == "__main__":
    main()

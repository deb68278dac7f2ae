"""Independent cross-check scorer for known-answer JSONL (spec: shared/eval-format.md, loose rules).

    python -m eval.crosscheck QUESTIONS.jsonl ANSWERS.jsonl [--json]

ANSWERS.jsonl is the output of `assistant ask --questions QUESTIONS.jsonl`. Plain stdlib only;
deliberately shares no code with eval/runner.py.
"""
import argparse
import json
import math
import re
import sys
import unicodedata
from collections import defaultdict

KS = (1, 3, 5)
_WS = re.compile(r"\s+")


def norm(s):
    """Fold full-/half-width (NFKC) and drop all whitespace."""
    return _WS.sub("", unicodedata.normalize("NFKC", s or ""))


def load(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def passages(ans):
    """Ranked passage texts: citations in order, then nearby passages in order."""
    return [norm(p.get("quote", "")) for p in (ans.get("citations") or []) + (ans.get("nearby") or [])]


def answer_correct(q, text):
    t = norm(text)
    aliases = q.get("aliases") or {}
    return all(any(norm(v) in t for v in [a] + list(aliases.get(a, []))) for a in q["answers"])


def evidence_rank(q, ps):
    """1-based rank at which every evidence string has appeared in some passage; None if never."""
    ev = q.get("evidence") or []
    ev = [ev] if isinstance(ev, str) else ev
    ev = [norm(e) for e in ev if norm(e)]
    if not ev:
        return None
    ranks = []
    for e in ev:
        r = next((i + 1 for i, p in enumerate(ps) if e in p), None)
        if r is None:
            return None
        ranks.append(r)
    return max(ranks)


def score_item(q, ans):
    unans = q["type"] == "unanswerable"
    ans = ans or {"text": "", "abstained": True, "missing": True}
    abst = bool(ans.get("abstained"))
    r = {"id": q["id"], "type": q["type"], "category": q.get("category"), "unanswerable": unans,
         "abstained": abst, "missing": bool(ans.get("missing"))}
    ms = (ans.get("timings") or {}).get("total_ms")
    r["latency_ms"] = ms
    if unans:
        r["correct"] = abst
        r["wrong"] = not abst
        return r
    r["correct"] = (not abst) and answer_correct(q, ans.get("text", ""))
    r["wrong"] = (not abst) and not r["correct"]
    r["false_refusal"] = abst
    rank = evidence_rank(q, passages(ans))
    r["rank"] = rank
    for k in KS:
        r[f"hit@{k}"] = rank is not None and rank <= k
    r["rr"] = 1.0 / rank if rank else 0.0
    return r


def pct(xs, p):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return round(xs[max(0, math.ceil(p / 100 * len(xs)) - 1)], 1)  # nearest-rank


def summarize(rows):
    a = [r for r in rows if not r["unanswerable"]]
    u = [r for r in rows if r["unanswerable"]]
    def mean(xs):
        return round(100 * sum(xs) / len(xs), 2) if xs else None

    s = {"n": len(rows), "answerable": len(a), "unanswerable": len(u),
         "accuracy": mean([r["correct"] for r in a]),
         **{f"hit@{k}": mean([r[f"hit@{k}"] for r in a]) for k in KS},
         "mrr": round(sum(r["rr"] for r in a) / len(a), 4) if a else None,
         "false_refusal": mean([r["false_refusal"] for r in a]),
         "abstention": mean([r["abstained"] for r in u]),
         "wrong_rate": mean([r["wrong"] for r in rows]),
         "latency_p50_ms": pct([r["latency_ms"] for r in rows], 50),
         "latency_p95_ms": pct([r["latency_ms"] for r in rows], 95)}
    return s


def score(questions, answers):
    by_id = {a.get("id"): a for a in answers}
    rows = [score_item(q, by_id.get(q["id"])) for q in questions]
    groups = {"type": defaultdict(list), "category": defaultdict(list)}
    for r in rows:
        groups["type"][r["type"]].append(r)
        if r["category"]:
            groups["category"][r["category"]].append(r)
    return {"overall": summarize(rows),
            "by_type": {t: summarize(v) for t, v in sorted(groups["type"].items())},
            "by_category": {c: summarize(v) for c, v in sorted(groups["category"].items())},
            "missing": [r["id"] for r in rows if r["missing"]],
            "items": rows}


COLS = ["n", "accuracy", "hit@1", "hit@3", "hit@5", "mrr", "false_refusal", "abstention", "wrong_rate"]


def render(rep):
    def f(v):
        return "-" if v is None else str(v)

    out = [f"{'group':<22}" + "".join(f"{c:>14}" for c in COLS)]
    rowsets = [("overall", rep["overall"])] + [("type:" + k, v) for k, v in rep["by_type"].items()] \
        + [("cat:" + k, v) for k, v in rep["by_category"].items()]
    for name, s in rowsets:
        out.append(f"{name:<22}" + "".join(f"{f(s[c]):>14}" for c in COLS))
    o = rep["overall"]
    out.append(f"latency p50 {f(o['latency_p50_ms'])} ms, p95 {f(o['latency_p95_ms'])} ms")
    if rep["missing"]:
        out.append("missing answers (scored as abstained): " + ", ".join(rep["missing"]))
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m eval.crosscheck", description=__doc__.splitlines()[0])
    ap.add_argument("questions")
    ap.add_argument("answers")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--items", action="store_true", help="with --json, include per-item results")
    a = ap.parse_args(argv)
    rep = score(load(a.questions), load(a.answers))
    if a.json:
        if not a.items:
            rep.pop("items")
        print(json.dumps(rep, ensure_ascii=False, indent=2))
    else:
        print(render(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())

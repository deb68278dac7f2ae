"""Known-answer evaluation: score any JSONL file in the shared format against ``Assistant.ask``.

Scoring follows shared/eval-format.md: whitespace removed and full-width folded to half-width on both
sides; an answer is correct when every expected string (or an alias) is in the answer text; evidence is
found at k when every evidence string lies inside one of the first k cited passages.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

TYPES = ("target", "responsibility", "fact", "locate", "compare", "unanswerable")
KS = (1, 3, 5)
MODES = ("bm25", "dense", "hybrid", "full")  # full = hybrid passages + structured facts


def norm(text: str) -> str:
    """The comparison form: NFKC (full-width → half-width) with all whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    question: str
    answers: tuple[str, ...]
    aliases: dict
    evidence: tuple[str, ...]
    doc: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


@dataclass(frozen=True)
class Result:
    id: str
    type: str
    question: str
    correct: bool
    abstained: bool
    evidence_rank: int | None  # 1-based rank at which all evidence was cited; None if never
    latency_ms: float
    expected: tuple[str, ...]
    said: str
    error: str = ""


def load_items(path: str | Path) -> list[Item]:
    """Read a question file; a malformed line is an error that names the line."""
    items = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            evidence = d.get("evidence") or []
            doc = d.get("doc") or []
            items.append(Item(
                str(d["id"]), d.get("type", "fact"), d["question"], tuple(d.get("answers") or ()),
                d.get("aliases") or {}, tuple([evidence] if isinstance(evidence, str) else evidence),
                tuple([doc] if isinstance(doc, str) else doc),
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a valid question line ({exc})") from None
    return items


def answer_correct(item: Item, text: str) -> bool:
    said = norm(text)
    return all(any(norm(v) in said for v in (a, *item.aliases.get(a, ()))) for a in item.answers)


def evidence_rank(item: Item, quotes: list[str]) -> int | None:
    """Smallest k such that every evidence string is inside one of the first k quotes."""
    wanted = [norm(e) for e in item.evidence if norm(e)]
    if not wanted:
        return None
    quotes = [norm(q) for q in quotes]
    ranks = []
    for e in wanted:
        r = next((i + 1 for i, q in enumerate(quotes) if e in q), None)
        if r is None:
            return None
        ranks.append(r)
    return max(ranks)


def run_items(assistant, items: list[Item], mode: str = "full") -> list[Result]:
    from assistant import QuestionError

    out = []
    for item in items:
        t = time.perf_counter()
        try:
            ans = assistant.ask(item.question, mode=mode)
            text, abstained, quotes, error = ans.text, ans.abstained, [c.quote for c in ans.citations], ""
        except QuestionError as exc:
            text, abstained, quotes, error = "", True, [], str(exc)
        ms = (time.perf_counter() - t) * 1000
        correct = abstained if not item.answerable else (not abstained and answer_correct(item, text))
        out.append(Result(item.id, item.type, item.question, correct, abstained,
                          evidence_rank(item, quotes) if item.answerable else None, ms, item.answers, text, error))
    return out


@dataclass
class Metrics:
    n: int = 0
    accuracy: float = 0.0
    hit: dict = field(default_factory=dict)
    mrr: float = 0.0
    false_refusals: float = 0.0
    abstention: float | None = None
    p50_ms: float = 0.0
    p95_ms: float = 0.0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def metrics(results: list[Result]) -> Metrics:
    """Accuracy, hit@k and MRR over answerable items; abstention over unanswerable ones."""
    ans = [r for r in results if r.type != "unanswerable"]
    un = [r for r in results if r.type == "unanswerable"]
    m = Metrics(n=len(results))
    lat = [r.latency_ms for r in results]
    m.p50_ms, m.p95_ms = _pct(lat, 0.5), _pct(lat, 0.95)
    if ans:
        m.accuracy = sum(r.correct for r in ans) / len(ans)
        m.hit = {k: sum(1 for r in ans if r.evidence_rank and r.evidence_rank <= k) / len(ans) for k in KS}
        m.mrr = sum(1 / r.evidence_rank for r in ans if r.evidence_rank) / len(ans)
        m.false_refusals = sum(r.abstained for r in ans) / len(ans)
    if un:
        m.abstention = sum(r.correct for r in un) / len(un)
    return m


def report(results: list[Result]) -> dict:
    """Overall and per-type metrics plus the failed questions."""
    by_type = {t: metrics([r for r in results if r.type == t]) for t in TYPES if any(r.type == t for r in results)}
    failed = [asdict(r) for r in results if not r.correct or (r.type != "unanswerable" and not r.evidence_rank)]
    return {"overall": asdict(metrics(results)), "by_type": {t: asdict(m) for t, m in by_type.items()},
            "failed": failed}


def format_table(reports: dict[str, dict]) -> str:
    """A table for people: one block of columns per mode (hybrid only, or all three with --compare)."""
    modes = list(reports)
    head = f"{'type':<15}{'n':>5}" + "".join(
        f" | {m[:6]:>6} acc  hit@1  hit@3  hit@5   MRR  refuse abstain  p50ms  p95ms" for m in modes)
    lines = [head, "-" * len(head)]
    first = reports[modes[0]]
    for name in ["overall", *first["by_type"]]:
        row = first["overall"] if name == "overall" else first["by_type"][name]
        line = f"{name:<15}{row['n']:>5}"
        for mode in modes:
            r = reports[mode]["overall"] if name == "overall" else reports[mode]["by_type"][name]
            hit = r["hit"] or {}
            ab = "" if r["abstention"] is None else f"{r['abstention']:.2f}"
            line += (f" | {'':>6} {r['accuracy']:.2f}  {hit.get(1, 0):.2f}   {hit.get(3, 0):.2f}   {hit.get(5, 0):.2f}"
                     f"  {r['mrr']:.2f}   {r['false_refusals']:.2f}   {ab:>5}  {r['p50_ms']:5.0f}  {r['p95_ms']:5.0f}")
        lines.append(line)
    return "\n".join(lines)


def format_failures(rep: dict, limit: int = 40) -> str:
    out = []
    for f in rep["failed"][:limit]:
        said = " ".join(f["said"].split())[:160]
        why = "wrong answer" if not f["correct"] else "evidence not cited in top 5"
        out.append(f"- {f['id']} [{f['type']}] {why}: {f['question']}\n    expected: {list(f['expected'])}\n    said: {said}")
    more = len(rep["failed"]) - limit
    if more > 0:
        out.append(f"… and {more} more (see --out report)")
    return "\n".join(out)


def evaluate(assistant, path: str | Path, modes=("full",)) -> dict[str, dict]:
    items = load_items(path)
    return {mode: report(run_items(assistant, items, mode)) for mode in modes}

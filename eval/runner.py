"""Known-answer evaluation: score any JSONL file in the shared format against ``Assistant.ask``.

Two scorings. **Loose** is exactly shared/eval-format.md: whitespace removed and full-width folded on both
sides, an answer is correct when every expected string (or an alias) is anywhere in the answer text.
**Strict** (the default) is what an official pasting the answer needs: only the answer body counts (not the
出处/Sources line, which repeats section titles), a number must match with boundaries (3.1 is not inside 13.1
or 2023.1), and for a one-figure target item the figure must sit on the line or sentence that names the
asked indicator, after the asked year (not after another year: a baseline given as the target is wrong). The headline is the wrong-answer rate: answers given that are wrong, plus answers given
to unanswerable items, over all items; a refusal is never counted as wrong.
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
SOURCES_LINE = re.compile(r"\n(?:出处[:：]|Sources:)")
SEGMENT = re.compile(r"[\n。；;]")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
YEAR = re.compile(r"(?<!\d)(20[0-5]\d)(?=年)")
MIN_INDICATOR_CHARS = 3  # shorter shared runs ("达到", "人口") do not name an indicator


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
    category: str = ""

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @property
    def plan(self) -> str:
        return self.doc[0] if len(self.doc) == 1 else ("+".join(self.doc) if self.doc else "")


@dataclass(frozen=True)
class Result:
    id: str
    type: str
    question: str
    correct: bool  # strict scoring
    correct_loose: bool  # shared-format scoring
    abstained: bool
    evidence_rank: int | None  # 1-based rank at which all evidence was cited or retrieved; None if never
    latency_ms: float
    expected: tuple[str, ...]
    said: str
    error: str = ""
    category: str = ""
    plan: str = ""

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


def question_files(path: str | Path) -> list[Path]:
    """A question file, or every ``*.jsonl`` in a folder (sorted, so runs are comparable)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise ValueError(f"{path}: no *.jsonl question files")
        return files
    return [path]


def load_items(path: str | Path) -> list[Item]:
    """Read a question file (or folder); a malformed line is an error that names the file and line."""
    items = []
    for f in question_files(path):
        for n, line in enumerate(f.read_text(encoding="utf-8-sig").splitlines(), 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                evidence = d.get("evidence") or []
                doc = d.get("doc") or []
                items.append(Item(
                    str(d["id"]), d.get("type", "fact"), str(d["question"]), tuple(map(str, d.get("answers") or ())),
                    d.get("aliases") or {}, tuple([evidence] if isinstance(evidence, str) else evidence),
                    tuple([doc] if isinstance(doc, str) else doc), str(d.get("category") or ""),
                ))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"{f}:{n}: not a valid question line ({exc})") from None
    return items


def answer_correct_loose(item: Item, text: str) -> bool:
    said = norm(text)
    return all(any(norm(v) in said for v in (a, *item.aliases.get(a, ()))) for a in item.answers)


def body(text: str) -> str:
    """The answer without its 出处 / Sources line."""
    return SOURCES_LINE.split(text or "", maxsplit=1)[0]


def _spaced(text: str) -> tuple[str, list[bool]]:
    """NFKC text without whitespace, and for each kept character whether whitespace stood before it."""
    chars, gap, pending = [], [], False
    for ch in unicodedata.normalize("NFKC", text):
        if ch.isspace():
            pending = True
            continue
        chars.append(ch)
        gap.append(pending)
        pending = False
    return "".join(chars), gap


def _bounded(needle: str, text: str, gap: list[bool]) -> list[int]:
    """Start offsets of needle in text where a number is not part of a longer number."""
    out, i = [], text.find(needle)
    while i >= 0:
        j = i + len(needle)
        before_ok = not (needle[0].isdigit() and i > 0 and not gap[i] and (text[i - 1].isdigit() or text[i - 1] == "."))
        after_ok = not (needle[-1].isdigit() and j < len(text) and not gap[j] and (
            text[j].isdigit() or (text[j] == "." and j + 1 < len(text) and text[j + 1].isdigit())))
        if before_ok and after_ok:
            out.append(i)
        i = text.find(needle, i + 1)
    return out


def asked_indicator(item: Item) -> str:
    """The indicator wording the question shares with its evidence (longest common CJK run), or ''."""
    q = norm(item.question)
    best = ""
    for run in CJK_RUN.findall(norm("".join(item.evidence))):
        for size in range(len(run), max(len(best), MIN_INDICATOR_CHARS - 1), -1):
            hit = next((run[k:k + size] for k in range(len(run) - size + 1) if run[k:k + size] in q), "")
            if hit:
                best = hit
                break
    return best


def answer_correct(item: Item, text: str) -> bool:
    """Strict: in the body, numbers with boundaries, a single target figure beside its indicator and
    after its asked year."""
    lines = [_spaced(line) for line in body(text).splitlines()]  # a line break ends a segment
    one = item.type == "target" and len(item.answers) == 1
    indicator = asked_indicator(item) if one else ""
    asked = YEAR.findall(norm(item.question)) if one else []
    year = asked[0] if len(set(asked)) == 1 and not YEAR.fullmatch(norm(item.answers[0])) else ""

    def placed(said: str, i: int, j: int) -> bool:
        if indicator and indicator not in _segment(said, i, j):
            return False
        return not year or _year_before(said, i) in ("", year)  # not a baseline given as the target

    return all(
        any(placed(said, i, i + len(norm(v)))
            for v in (a, *item.aliases.get(a, ())) if norm(v)
            for said, gap in lines for i in _bounded(norm(v), said, gap))
        for a in item.answers)


def _year_before(text: str, i: int) -> str:
    """The last year stated before position i on the same line or sentence ("" if none)."""
    start = max((m.end() for m in SEGMENT.finditer(text, 0, i)), default=0)
    years = YEAR.findall(text[start:i])
    return years[-1] if years else ""


def _segment(text: str, a: int, b: int) -> str:
    """The line or sentence around text[a:b] (the figure's own clause and what it belongs to)."""
    start = max((m.end() for m in SEGMENT.finditer(text, 0, a)), default=0)
    end = next((m.start() for m in SEGMENT.finditer(text, b)), len(text))
    return text[start:end]


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


def score(item: Item, text: str, abstained: bool) -> tuple[bool, bool]:
    """(strict, loose) correctness of one answer: a refusal is right only for an unanswerable item."""
    if not item.answerable:
        return abstained, abstained
    return not abstained and answer_correct(item, text), not abstained and answer_correct_loose(item, text)


def run_items(assistant, items: list[Item], mode: str = "full") -> list[Result]:
    from assistant import QuestionError

    out = []
    for item in items:
        t = time.perf_counter()
        try:
            ans = assistant.ask(item.question, mode=mode)
            text, abstained, error = ans.text, ans.abstained, ""
            quotes = [c.quote for c in (*ans.citations, *ans.nearby)]  # cited, else retrieved passages
        except QuestionError as exc:
            text, abstained, quotes, error = "", True, [], str(exc)
        ms = (time.perf_counter() - t) * 1000
        strict, loose = score(item, text, abstained)
        out.append(Result(item.id, item.type, item.question, strict, loose, abstained,
                          evidence_rank(item, quotes) if item.answerable else None, ms, item.answers, text, error,
                          item.category, item.plan))
    return out


@dataclass
class Metrics:
    n: int = 0
    answerable: int = 0
    wrong_rate: float = 0.0  # headline: wrong answers + answers to unanswerable items, over all items
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


def is_wrong(r: Result, loose: bool = False) -> bool:
    """An answer was given (not a refusal) and it is wrong; any answer to an unanswerable item is wrong."""
    return not r.abstained and (not r.answerable or not (r.correct_loose if loose else r.correct))


def metrics(results: list[Result], loose: bool = False) -> Metrics:
    """Accuracy, hit@k, MRR and false refusals over answerable items; abstention over unanswerable ones."""
    ans = [r for r in results if r.answerable]
    un = [r for r in results if not r.answerable]
    m = Metrics(n=len(results), answerable=len(ans))
    lat = [r.latency_ms for r in results]
    m.p50_ms, m.p95_ms = _pct(lat, 0.5), _pct(lat, 0.95)
    if results:
        m.wrong_rate = sum(is_wrong(r, loose) for r in results) / len(results)
    if ans:
        m.accuracy = sum((r.correct_loose if loose else r.correct) for r in ans) / len(ans)
        m.hit = {k: sum(1 for r in ans if r.evidence_rank and r.evidence_rank <= k) / len(ans) for k in KS}
        m.mrr = sum(1 / r.evidence_rank for r in ans if r.evidence_rank) / len(ans)
        m.false_refusals = sum(r.abstained for r in ans) / len(ans)
    if un:
        m.abstention = sum(r.abstained for r in un) / len(un)
    return m


def _groups(results: list[Result], key) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {}
    for r in results:
        if key(r):
            out.setdefault(key(r), []).append(r)
    return dict(sorted(out.items()))


def report(results: list[Result], loose: bool = False) -> dict:
    """Overall, per-type, per-category and per-plan metrics, the other scoring's overall, and failures."""
    def block(rs):
        return asdict(metrics(rs, loose))

    types = {t: [r for r in results if r.type == t] for t in TYPES}
    bad = [r for r in results if not (r.correct_loose if loose else r.correct) or (r.answerable and not r.evidence_rank)]
    failed = [asdict(r) for r in sorted(bad, key=lambda r: (not is_wrong(r, loose), r.id))]  # wrong answers first
    return {
        "scoring": "loose" if loose else "strict",
        "overall": block(results),
        "overall_" + ("strict" if loose else "loose"): asdict(metrics(results, not loose)),
        "by_type": {t: block(rs) for t, rs in types.items() if rs},
        "by_category": {c: block(rs) for c, rs in _groups(results, lambda r: r.category).items()},
        "by_plan": {p: block(rs) for p, rs in _groups(results, lambda r: r.plan).items()},
        "failed": failed,
    }


def format_table(reports: dict[str, dict]) -> str:
    """A table for people: wrong-answer rate first; one block of columns per mode."""
    modes = list(reports)
    first = reports[modes[0]]
    head = f"{'':<34}{'n':>5}" + "".join(
        f" | {m[:6]:>6} wrong   acc hit@1 hit@3 hit@5   MRR refuse abstain  p50ms  p95ms" for m in modes)
    lines = [f"scoring: {first['scoring']} (see eval/runner.py)", head, "-" * len(head)]
    rows = [("overall", lambda rep: rep["overall"])]
    for group, label in (("by_type", "type"), ("by_category", "category"), ("by_plan", "plan")):
        rows += [(f"{label} {name}", lambda rep, g=group, n=name: rep[g].get(n)) for name in first[group]]
    for name, get in rows:
        base = get(first)
        line = f"{name[:34]:<34}{base['n']:>5}"
        for mode in modes:
            r = get(reports[mode]) or base
            hit = r["hit"] or {}
            ab = "" if r["abstention"] is None else f"{r['abstention']:.2f}"
            acc = f"{r['accuracy']:.2f}" if r["answerable"] else "    "
            line += (f" | {'':>6} {r['wrong_rate']:5.2f}  {acc} {hit.get(1, 0):5.2f} {hit.get(3, 0):5.2f}"
                     f" {hit.get(5, 0):5.2f} {r['mrr']:5.2f}  {r['false_refusals']:5.2f}  {ab:>6}"
                     f"  {r['p50_ms']:5.0f}  {r['p95_ms']:5.0f}")
        lines.append(line)
    other = "overall_loose" if first["scoring"] == "strict" else "overall_strict"
    o = first[other]
    lines.append(f"\n{other.split('_')[1]} scoring overall: wrong {o['wrong_rate']:.3f}  accuracy {o['accuracy']:.3f}")
    return "\n".join(lines)


def format_failures(rep: dict, limit: int = 40) -> str:
    out = []
    for f in rep["failed"][:limit]:
        said = " ".join(body(f["said"]).split())[:160]
        loose = rep["scoring"] == "loose"
        correct = f["correct_loose"] if loose else f["correct"]
        if not correct and not f["abstained"]:
            why = "WRONG (answered an unanswerable item)" if f["type"] == "unanswerable" else "WRONG answer"
        elif not correct:
            why = "refused" if f["type"] != "unanswerable" else "not refused"
        else:
            why = "evidence not cited in top 5"
        cat = f" {f['category']}" if f["category"] else ""
        out.append(f"- {f['id']} [{f['type']}{cat}] {why}: {f['question']}\n    expected: {list(f['expected'])}"
                   f"\n    said: {said}")
    more = len(rep["failed"]) - limit
    if more > 0:
        out.append(f"… and {more} more (see --out report)")
    return "\n".join(out)


def evaluate(assistant, path: str | Path, modes=("full",), loose: bool = False) -> dict[str, dict]:
    items = load_items(path)
    return {mode: report(run_items(assistant, items, mode), loose) for mode in modes}

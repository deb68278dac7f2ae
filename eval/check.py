"""Check (and with --fix, resolve) the known-answer files in eval/questions/.

The question files are the source: plain JSONL a person edits. Evidence may be typed loosely (without the
plan's line breaks, tabs or full-width forms); ``--fix`` replaces it by the exact raw plan text it matches,
so every evidence string is byte-exact. The check then proves, for every item: valid fields, a known type
and category, a unique id, evidence that is exact text of its plan(s), and every answer (or an alias)
inside its evidence; and for the whole set (no FILES given), at least MIN_UNANSWERABLE unanswerable items per category.

    python -m eval.check [--fix] [FILES…]     (default: eval/questions/*.jsonl; exit 1 on problems)
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from assistant.settings import DEFAULT_CORPUS, EVAL_FIXTURES, EVAL_QUESTIONS

from .runner import TYPES, norm

PLAN_DIRS = (DEFAULT_CORPUS, EVAL_FIXTURES)  # relative to the project folder (the working directory)
CATEGORIES = ("unindexed-place", "wrong-year", "similar-indicator", "unit-not-listed", "off-topic-duty",
              "fictitious-project", "amount-not-given", "multi-part")
MIN_UNANSWERABLE = 15  # per category (the eval issue's floor)
REQUIRED = ("id", "doc", "type", "question", "answers", "evidence")


def plan_text(doc: str) -> str | None:
    for folder in PLAN_DIRS:
        if (folder / doc).is_file():
            return (folder / doc).read_text(encoding="utf-8")
    return None


def _char(ch: str) -> str:
    alts = {ch, unicodedata.normalize("NFKC", ch)}
    if 0x21 <= ord(ch) <= 0x7E:
        alts.add(chr(ord(ch) + 0xFEE0))
    alts = {a for a in alts if len(a) == 1}
    return re.escape(ch) if len(alts) == 1 else "[" + "".join(map(re.escape, sorted(alts))) + "]"


def resolve(evidence: str, text: str) -> list[str]:
    """The raw passages of text that evidence matches, ignoring whitespace and full/half width."""
    chars = [c for c in evidence if not c.isspace()]
    if not chars:
        return []
    rx = re.compile(r"\s*".join(map(_char, chars)))
    return [m.group() for m in rx.finditer(text)]


def check_item(d: dict, fix: bool) -> list[str]:
    """Problems with one item; with fix, loosely typed evidence is replaced in d by exact plan text."""
    out = [f"missing field {k!r}" for k in REQUIRED if k not in d]
    if out:
        return out
    if d["type"] not in TYPES:
        out.append(f"unknown type {d['type']!r}")
    if d.get("category") and d["category"] not in CATEGORIES:
        out.append(f"unknown category {d['category']!r}")
    docs = [d["doc"]] if isinstance(d["doc"], str) else list(d["doc"])
    texts = []
    for doc in docs:
        text = plan_text(doc)
        if text is None:
            out.append(f"plan file not found: {doc}")
        else:
            texts.append(text)
    evidence = [d["evidence"]] if isinstance(d["evidence"], str) else list(d["evidence"])
    if d["type"] == "unanswerable":
        if d["answers"] or any(evidence):
            out.append("an unanswerable item has answers [] and evidence ''")
        return out
    if not d["answers"]:
        out.append("an answerable item needs answers")
    for i, e in enumerate(evidence):
        if any(e in t for t in texts):
            continue
        found = [m for t in texts for m in resolve(e, t)]
        if fix and len(set(found)) == 1:
            evidence[i] = found[0]
        else:
            out.append(f"evidence is not exact plan text ({len(found)} loose matches): {e[:50]!r}")
    if fix:
        d["evidence"] = evidence[0] if isinstance(d["evidence"], str) else evidence
    said = "".join(norm(e) for e in evidence)
    aliases = d.get("aliases") or {}
    for a in d["answers"]:
        if not any(norm(v) in said for v in (a, *aliases.get(a, ()))):
            out.append(f"answer {a!r} (or an alias) is not inside the evidence")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    fix = "--fix" in argv
    named = [Path(a) for a in argv if a != "--fix"]
    files = named or sorted(EVAL_QUESTIONS.glob("*.jsonl"))
    problems, ids, unanswerable, n = [], Counter(), Counter(), 0
    for f in files:
        lines = f.read_text(encoding="utf-8").splitlines()
        for ln, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except ValueError as exc:
                problems.append(f"{f.name}:{ln}: invalid JSON ({exc})")
                continue
            n += 1
            ids[d.get("id")] += 1
            if d.get("type") == "unanswerable" and d.get("category"):
                unanswerable[d["category"]] += 1
            problems += [f"{f.name}:{ln}: {p}" for p in check_item(d, fix)]
            lines[ln - 1] = json.dumps(d, ensure_ascii=False)
        if fix:
            f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems += [f"duplicate id {i!r} ({c}x)" for i, c in sorted(ids.items(), key=str) if c > 1]
    problems += [f"category {c}: {unanswerable[c]} unanswerable items < {MIN_UNANSWERABLE}"
                 for c in CATEGORIES if not named and unanswerable[c] < MIN_UNANSWERABLE]
    print("\n".join(problems))
    print(f"items: {n}  files: {len(files)}  problems: {len(problems)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

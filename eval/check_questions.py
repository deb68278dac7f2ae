#!/usr/bin/env python3
"""Validate eval/questions.jsonl against /work/shared/eval-format.md and the corpus.

Checks: JSON per line, required fields and types, id format/uniqueness, type minimums,
doc names exist, evidence is an exact substring of its plan file (list -> each in the
corresponding doc), every answer (or one of its aliases) appears in the evidence after
removing whitespace and NFKC normalisation, responsibility unit fields, unanswerable shape,
jurisdiction named in non-compare questions.  Prints a summary (per type, per doc,
English count) and exits 1 on any problem.

Usage: python eval/check_questions.py [questions.jsonl] [corpus_dir]   (stdlib only)
"""
import collections
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
QFILE = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "questions.jsonl"
CORPUS = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE.parent / "corpus"

TYPES = ("target", "responsibility", "fact", "locate", "compare", "unanswerable")
PREFIX = {"target": "t", "responsibility": "r", "fact": "f", "locate": "l", "compare": "c", "unanswerable": "u"}
MINIMUM = {"target": 75, "responsibility": 75, "fact": 28, "locate": 17, "compare": 17, "unanswerable": 28}
MIN_TOTAL = 230
MIN_ENGLISH = 14
REQUIRED = {"id": str, "doc": (str, list), "type": str, "question": str, "answers": list,
            "aliases": dict, "evidence": (str, list), "note": str}
# words that name the jurisdiction / plan, by doc
JURIS = {
    "fushan-health-plan.txt": ("福山", "fushan"),
    "jining-health-plan.txt": ("济宁", "jining"),
    "zhangdian-health-plan.txt": ("张店", "zhangdian"),
    "zhangdian-health-opinions.txt": ("健康张店", "张政字", "healthy zhangdian"),
}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def norm(s):
    """Comparison form (as in the scoring rules): NFKC full-width -> half-width, all whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def main():
    problems = []
    texts = {}
    for p in sorted(CORPUS.glob("*.txt")):
        texts[p.name] = p.read_text(encoding="utf-8")
    ntexts = {k: norm(v) for k, v in texts.items()}

    rows = []
    for ln, line in enumerate(QFILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((ln, json.loads(line)))
        except json.JSONDecodeError as e:
            problems.append(f"line {ln}: invalid JSON: {e}")

    ids = collections.Counter()
    questions = collections.Counter()
    by_type = collections.Counter()
    by_doc = collections.Counter()
    english = []

    for ln, r in rows:
        rid = r.get("id", f"line{ln}")
        where = f"{rid} (line {ln})"

        def bad(msg):
            problems.append(f"{where}: {msg}")  # noqa: B023

        for k, t in REQUIRED.items():
            if k not in r:
                bad(f"missing field {k}")
            elif not isinstance(r[k], t):
                bad(f"field {k} has type {type(r[k]).__name__}")
        if any(k not in r or not isinstance(r[k], REQUIRED[k]) for k in REQUIRED):
            continue
        ids[rid] += 1
        questions[r["question"].strip()] += 1
        typ = r["type"]
        if typ not in TYPES:
            bad(f"unknown type {typ}")
            continue
        by_type[typ] += 1
        if not re.fullmatch(PREFIX[typ] + r"-\d{3}", rid):
            bad(f"id does not match type {typ} (expected {PREFIX[typ]}-NNN)")
        if not r["question"].strip():
            bad("empty question")
        if not CJK.search(r["question"]):
            english.append(rid)
        if not r["note"].strip():
            bad("empty note")

        docs = r["doc"] if isinstance(r["doc"], list) else [r["doc"]]
        by_doc[" + ".join(docs)] += 1
        for d in docs:
            if not isinstance(d, str) or d not in texts:
                bad(f"unknown doc {d!r}")
        if any(d not in texts for d in docs if isinstance(d, str)):
            continue

        answers = r["answers"]
        if not all(isinstance(a, str) and a.strip() for a in answers):
            bad("answers must be non-empty strings")
            continue
        if len(set(answers)) != len(answers) and typ != "compare":
            bad("duplicate answers")
        aliases = r["aliases"]
        for k, v in aliases.items():
            if k not in answers:
                bad(f"alias key {k!r} is not an answer")
            if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
                bad(f"aliases for {k!r} must be a list of non-empty strings")

        # jurisdiction named (not required for compare questions)
        if typ != "compare":
            ql = r["question"].lower()
            if not any(w in ql for w in JURIS[docs[0]]):
                bad(f"question does not name the jurisdiction/plan ({'/'.join(JURIS[docs[0]])})")

        if typ == "unanswerable":
            if answers:
                bad("unanswerable must have answers []")
            if r["evidence"] != "":
                bad("unanswerable must have evidence \"\"")
            if isinstance(r["doc"], list):
                bad("unanswerable doc should be a single file")
            continue

        if not answers:
            bad("answerable item without answers")
            continue

        # evidence: exact substrings
        if typ == "compare":
            if not isinstance(r["doc"], list) or len(docs) < 2:
                bad("compare needs a list of >= 2 docs")
            if not isinstance(r["evidence"], list) or len(r["evidence"]) != len(docs):
                bad("compare evidence must be a list aligned with doc")
                continue
            evs = r["evidence"]
        else:
            if isinstance(r["doc"], list):
                bad("non-compare item should have a single doc")
                continue
            if not isinstance(r["evidence"], str):
                bad("evidence must be a string")
                continue
            evs = [r["evidence"]]
        ok = True
        for d, e in zip(docs, evs):
            if not isinstance(e, str) or not e.strip():
                bad(f"empty evidence for {d}")
                ok = False
            elif e not in texts[d]:
                bad(f"evidence is not an exact substring of {d}: {e[:50]!r}")
                ok = False
            elif texts[d].count(e) > 1 or ntexts[d].count(norm(e)) > 1:
                problems.append(f"{where}: note: evidence occurs more than once in {d} (ambiguous)")
        if not ok:
            continue

        nevs = [norm(e) for e in evs]

        def found(a, hay):
            cands = [a] + aliases.get(a, [])  # noqa: B023
            return any(norm(c) and norm(c) in hay for c in cands)

        if typ == "compare":
            joined = "\n".join(nevs)
            for a in answers:
                if not found(a, joined):
                    bad(f"answer {a!r} not in any evidence")
            for d, ne in zip(docs, nevs):
                if not any(found(a, ne) for a in answers):
                    bad(f"evidence for {d} contains none of the answers")
            if len(answers) == len(evs):
                for i, (a, ne) in enumerate(zip(answers, nevs)):
                    if not found(a, ne):
                        bad(f"answer #{i} {a!r} not in evidence #{i} ({docs[i]})")
        else:
            for a in answers:
                if not found(a, nevs[0]):
                    bad(f"answer {a!r} (or alias) not in evidence")

        if typ == "responsibility":
            has_lp = "lead" in r or "participants" in r
            has_u = "units" in r
            if not has_lp and not has_u:
                bad("responsibility item needs lead/participants or units")
            units = []
            for k in ("lead", "participants", "units"):
                if k in r:
                    if not isinstance(r[k], list) or not all(isinstance(x, str) and x for x in r[k]):
                        bad(f"{k} must be a list of strings")
                        continue
                    units += r[k]
            if has_lp and not r.get("lead"):
                bad("lead is empty")
            for u in units:
                if u not in answers:
                    bad(f"unit {u!r} listed but not in answers")
                if norm(u) not in nevs[0]:
                    bad(f"unit {u!r} not in evidence")
            for a in answers:
                if a not in units:
                    bad(f"answer {a!r} not among lead/participants/units")

    for i, n in ids.items():
        if n > 1:
            problems.append(f"duplicate id {i} ({n}x)")
    for q, n in questions.items():
        if n > 1:
            problems.append(f"duplicate question ({n}x): {q[:40]}")
    total = sum(by_type.values())
    for t, m in MINIMUM.items():
        if by_type[t] < m:
            problems.append(f"type {t}: {by_type[t]} < required {m}")
    if total < MIN_TOTAL:
        problems.append(f"total {total} < {MIN_TOTAL}")
    if len(english) < MIN_ENGLISH:
        problems.append(f"English questions {len(english)} < {MIN_ENGLISH}")
    single_docs = {d for d in by_doc if " + " not in d}
    for d in texts:
        if d not in single_docs:
            problems.append(f"no single-doc questions for {d}")

    print(f"file: {QFILE}")
    print(f"items: {total}")
    print("per type:")
    for t in TYPES:
        print(f"  {t:15s} {by_type[t]:4d}  (min {MINIMUM[t]})")
    print("per doc:")
    for d, n in sorted(by_doc.items(), key=lambda x: -x[1]):
        print(f"  {n:4d}  {d}")
    per_doc_any = collections.Counter()
    for _, r in rows:
        for d in (r.get("doc") if isinstance(r.get("doc"), list) else [r.get("doc")]):
            per_doc_any[d] += 1
    print("items touching each doc (compare counted for each of its docs):")
    for d in sorted(texts):
        print(f"  {per_doc_any[d]:4d}  {d}")
    print(f"English questions (no CJK in question): {len(english)}")

    real = [p for p in problems if ": note: " not in p]
    notes = [p for p in problems if ": note: " in p]
    for p in notes:
        print("NOTE", p)
    for p in real:
        print("PROBLEM", p)
    print(f"problems: {len(real)}  notes: {len(notes)}")
    sys.exit(1 if real else 0)


if __name__ == "__main__":
    main()

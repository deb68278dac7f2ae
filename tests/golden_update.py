"""Golden parses of the style fixtures and plan 002, so a change that breaks one province's style fails CI.

``python -m tests.golden_update`` rewrites tests/golden/<stem>.json from the current parser. Fields the parser
is known to get wrong are not baked in: tests/golden/_known_wrong.json says, for each, which record is wrong,
what it should read and why; the golden files hold the corrected value and tests/test_golden.py keeps a strict
xfail test per entry until the parser gets it right.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from assistant.chunking import ChunkSettings
from assistant.ingest import Document, overrides, read_document

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
KNOWN_WRONG = GOLDEN / "_known_wrong.json"
SOURCES = (*sorted((ROOT / "eval" / "fixtures").glob("*.txt")), ROOT / "corpus" / "leshan-shizhong-health-plan.txt")

IDENTITY = ("title", "jurisdiction", "parent", "issuer", "date", "doc_number", "status")
TARGET_FIELDS = ("indicator", "target_year", "value", "unit", "baseline", "baseline_year", "nature", "source",
                 "past", "achieved", "status")
DUTY_FIELDS = ("task", "lead", "participants", "responsible")
SECTIONS = ("identity", "headings", "toc", "targets", "duties")
_LABEL = {"headings": "path", "toc": "path", "targets": "indicator", "duties": "task"}


def document(path: Path) -> Document:
    """The file parsed exactly as build_index parses it (plans.json overrides included), without embedding."""
    extra = overrides(path.parent)
    return read_document(path, ChunkSettings(), extra.get(path.name) or extra.get(path.stem))


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _records(doc: Document, items, fields: tuple[str, ...]) -> list[dict]:
    """One dict per record with its quoted span, in plan order (ties keep extraction order)."""
    rows = [(x.start, n, {**{f: _plain(getattr(x, f)) for f in fields}, "quote": doc.text[x.start : x.end]})
            for n, x in enumerate(items)]
    return [r for _, _, r in sorted(rows, key=lambda t: (t[0], t[1]))]


def parse(path: Path) -> dict:
    """What the golden file of one plan records, straight from the parser."""
    doc = document(path)
    headings: list[list[str]] = []
    for c in doc.chunks:
        if list(c.section) not in headings:
            headings.append(list(c.section))
    return {
        "file": path.name,
        "identity": {f: getattr(doc.plan, f) for f in IDENTITY},
        "headings": [{"path": h} for h in headings],
        "toc": [{"level": e.level, "path": list(e.path)} for e in doc.outline],
        "targets": _records(doc, doc.targets, TARGET_FIELDS),
        "duties": _records(doc, doc.duties, DUTY_FIELDS),
    }


def known_wrong() -> list[dict]:
    return json.loads(KNOWN_WRONG.read_text(encoding="utf-8"))


def matches(record: dict, fields: dict) -> bool:
    return all(record.get(k) == v for k, v in fields.items())


def correct(section: str, value, entry: dict):
    """Apply one known-wrong entry: identity fields replaced, or the matching records changed or dropped."""
    if section == "identity":
        return {**value, **entry["expect"]}
    out = []
    for r in value:
        if matches(r, entry["match"]):
            if entry.get("drop"):
                continue
            r = {**r, **entry["expect"]}
        out.append(r)
    return out


def corrected(parsed: dict, entries: list[dict]) -> dict:
    out = dict(parsed)
    stem = Path(parsed["file"]).stem
    for e in entries:
        if e["file"] == stem:
            out[e["section"]] = correct(e["section"], out[e["section"]], e)
    return out


def is_right(parsed: dict, entry: dict) -> bool:
    """Whether the parser itself now gives what the entry says is correct."""
    value = parsed[entry["section"]]
    if entry["section"] == "identity":
        return matches(value, entry["expect"])
    if entry.get("drop"):
        return not any(matches(r, entry["match"]) for r in value)
    return any(matches(r, {**entry["match"], **entry["expect"]}) for r in value)


def _label(section: str, record: dict) -> str:
    key = _LABEL[section]
    value = record.get(key)
    return " › ".join(value) if isinstance(value, list) else str(value)


def diff(section: str, expected, actual) -> list[str]:
    """Readable differences: which field of which record changed, which records appeared or went missing."""
    if section == "identity":
        return [f"identity.{k}: expected {expected.get(k)!r}, got {actual.get(k)!r}"
                for k in sorted(set(expected) | set(actual)) if expected.get(k) != actual.get(k)]
    keys = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in expected]
    got = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in actual]
    lines = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, keys, got, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            e, a = expected[i1 + k], actual[j1 + k]
            fields = [f"{f}: expected {e.get(f)!r}, got {a.get(f)!r}" for f in sorted(set(e) | set(a))
                      if e.get(f) != a.get(f)]
            lines.append(f"{section}[{i1 + k}] «{_label(section, e)}»: " + "; ".join(fields))
        lines += [f"{section}[{i}] missing: {keys[i]}" for i in range(i1 + pairs, i2)]
        lines += [f"{section}: unexpected record (parsed #{j}): {got[j]}" for j in range(j1 + pairs, j2)]
    return lines


def golden_path(source: Path) -> Path:
    return GOLDEN / f"{source.stem}.json"


def dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main() -> None:
    """Rewrite every golden file; refuse when a known-wrong entry no longer picks out exactly one record."""
    entries = known_wrong()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        parsed = parse(source)
        for e in (e for e in entries if e["file"] == source.stem and e["section"] != "identity"):
            hits = sum(matches(r, e["match"]) for r in parsed[e["section"]])
            if hits != 1 and not is_right(parsed, e):
                raise SystemExit(f"{source.stem} {e['section']}: {e['match']} matches {hits} records; fix "
                                 f"{KNOWN_WRONG.name}")
        golden_path(source).write_text(dump(corrected(parsed, entries)), encoding="utf-8")
        print(f"wrote {golden_path(source).relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Golden parses: each style fixture and plan 002 parsed as the index build parses it must give exactly the
identity, headings, 目录, targets and duties recorded in tests/golden/<stem>.json.

After an intended change, run ``python -m tests.golden_update``, read the diff of tests/golden/ and commit it.
Fields the parser gets wrong today are recorded corrected (tests/golden/_known_wrong.json); each has a strict
xfail test below that starts to XPASS, and so fails, the day the parser gets it right.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from tests.golden_update import (
    KNOWN_WRONG,
    SECTIONS,
    SOURCES,
    corrected,
    diff,
    dump,
    golden_path,
    is_right,
    known_wrong,
    parse,
)

ENTRIES = known_wrong()


@cache
def parsed(name: str) -> dict:
    return parse(next(s for s in SOURCES if s.name == name))


def golden(source: Path) -> dict:
    return json.loads(golden_path(source).read_text(encoding="utf-8"))


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_parse_matches_golden_file(source: Path, section: str):
    expected = golden(source)[section]
    actual = corrected(parsed(source.name), ENTRIES)[section]
    lines = diff(section, expected, actual)
    assert not lines, (f"{source.name}: the parse changed; if intended run `python -m tests.golden_update`\n  "
                       + "\n  ".join(lines))


@pytest.mark.parametrize("entry", [
    pytest.param(e, id=f"{e['file']}-{e['section']}-{n}", marks=pytest.mark.xfail(strict=True, reason=e["reason"]))
    for n, e in enumerate(ENTRIES)])
def test_known_wrong_field_is_parsed_right(entry: dict):
    source = next(s for s in SOURCES if s.stem == entry["file"])
    assert is_right(parsed(source.name), entry), f"{entry['file']} {entry['section']}: {entry['reason']}"


def test_every_known_wrong_entry_names_one_wrong_record():
    """An entry whose record the parser no longer gives, and does not give right either, is stale."""
    for e in ENTRIES:
        source = next(s for s in SOURCES if s.stem == e["file"])
        if is_right(parsed(source.name), e):
            continue  # the strict xfail test above reports it
        if e["section"] == "identity":
            continue
        got = parsed(source.name)[e["section"]]
        hits = [r for r in got if all(r.get(k) == v for k, v in e["match"].items())]
        assert len(hits) == 1, f"{KNOWN_WRONG.name}: {e['match']} matches {len(hits)} records of {e['file']}"


def test_golden_files_are_written_deterministically():
    for source in SOURCES:
        text = golden_path(source).read_text(encoding="utf-8")
        assert text == dump(json.loads(text)), f"{golden_path(source).name} is not in the generator's format"


def test_diff_names_the_record_and_field_that_changed():
    before = [{"indicator": "婴儿死亡率", "value": "5‰"}, {"indicator": "孕产妇死亡率", "value": "10/10万"}]
    after = [{"indicator": "婴儿死亡率", "value": "6‰"}, {"indicator": "孕产妇死亡率", "value": "10/10万"}]
    assert diff("targets", before, after) == ["targets[0] «婴儿死亡率»: value: expected '5‰', got '6‰'"]
    lines = diff("targets", before, after[1:])
    assert len(lines) == 1 and lines[0].startswith("targets[0] missing") and "婴儿死亡率" in lines[0]
    assert diff("identity", {"title": "甲"}, {"title": "乙"}) == ["identity.title: expected '甲', got '乙'"]
    assert diff("targets", before, before) == []

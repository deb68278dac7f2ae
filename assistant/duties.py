"""Who leads, joins or is responsible for each task, in every way plans write it.

Plans state duties as notes (（牵头单位：…；配合单位：…）, a bare "主要责任单位：…；协同单位：…" line, a
责任单位 list with 牵头/配合 inside it), as table columns (牵头单位 | 配合单位) and in prose ("由X负责，Y配合",
"X牵头，Y配合", "X要切实履行主体责任", "X对…负总责"). Every role word is data (ROLE_LABELS, ROLE_VERBS); every record
keeps the raw span of the words it came from. Prose is read conservatively: only a clause that names a
government body (units.names_body) as its subject becomes a duty, and only for a task without a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .parse import Block
from .units import looks_like_body, names_body, split_units


@dataclass(frozen=True)
class Duty:
    """Who leads, joins or is responsible for one task, from one responsibility note or sentence."""

    plan: str
    task: str
    section: tuple[str, ...]
    lead: tuple[str, ...]
    participants: tuple[str, ...]
    responsible: tuple[str, ...]
    start: int
    end: int


# A label (the words before 单位/部门 and a colon, or a table column's name) → the role it states.
# Longest first: 牵头责任单位 is a lead, not a 责任单位.
ROLE_LABELS: tuple[tuple[str, str], ...] = (
    ("牵头责任", "lead"),
    ("主要责任", "lead"),
    ("主要负责", "lead"),
    ("主要协作", "participants"),
    ("主要配合", "participants"),
    ("牵头", "lead"),
    ("主责", "lead"),
    ("主办", "lead"),
    ("责任", "responsible"),
    ("负责", "responsible"),
    ("参与", "participants"),
    ("配合", "participants"),
    ("协办", "participants"),
    ("协同", "participants"),
    ("协助", "participants"),
    ("协作", "participants"),
)
# A verb after unit names inside a list or a sentence ("区卫健局牵头，区财政局配合") → the role.
ROLE_VERBS: tuple[tuple[str, str], ...] = (
    ("牵头", "lead"),
    ("主责", "lead"),
    ("负责", "responsible"),
    ("配合", "participants"),
    ("参与", "participants"),
    ("协助", "participants"),
    ("协同", "participants"),
    ("协作", "participants"),
    ("协办", "participants"),
    ("指导", "participants"),
)
_LABEL_ROLE = dict(ROLE_LABELS)
_VERB_ROLE = dict(ROLE_VERBS)
_LABELS = "|".join(sorted(_LABEL_ROLE, key=len, reverse=True))
_VERBS = "|".join(_VERB_ROLE)
_PART_VERBS = "|".join(v for v, r in ROLE_VERBS if r == "participants")
_ROLE = re.compile(rf"(?P<role>{_LABELS})(?:部门|单位|处室)?[:：]")
_COLUMN = re.compile(rf"(?:{_LABELS})(?=.*(?:部门|单位|处室))")
_MARKED = re.compile(rf"^(?P<units>.+?)(?:分别|共同|按职责分工|按职责)?(?P<verb>{_VERBS})$")

_UNITS = r"[^，,。；;：:（）()由\n]{2,80}?"
_PART = rf"(?:[，,](?P<part>{_UNITS})(?:{_PART_VERBS}))?"
_MOD = r"(?:分别|共同|按职责分工|按职责)?"
FREE_LEAD = re.compile(rf"由(?P<lead>{_UNITS})牵头{_PART}")
FREE_RESP = re.compile(rf"由(?P<resp>{_UNITS}){_MOD}负责{_PART}")
_CLAUSE_START = r"(?<![^，,。；;！？!?\n])"
# Prose without 由, read only for a task without a note: the clause's subject must be a named body.
PROSE = (
    re.compile(rf"{_CLAUSE_START}(?P<lead>{_UNITS})牵头{_PART}"),
    re.compile(rf"{_CLAUSE_START}(?P<resp>{_UNITS}){_MOD}负责{_PART}"),
    re.compile(rf"{_CLAUSE_START}(?P<resp>{_UNITS})(?:要|应当|应|须|必须)?(?:切实|进一步|全面|认真|严格|坚决)?"
               r"(?:承担|履行|落实|强化|担负|扛起|扛牢|压实|负起)(?:起)?[^，,。；;\n]{0,20}?主体责任"),
    re.compile(rf"{_CLAUSE_START}(?P<resp>{_UNITS})(?:要|应)?对[^，,。；;\n]{{1,30}}?负(?:主责|总责|全责)"),
)
# A bare note line: a role label at the start of a line or a sentence, up to the sentence's end.
_LINE_NOTE = re.compile(rf"(?<![^\n。])[ \t\u3000]*(?=(?:{_LABELS})(?:部门|单位|处室)?[:：])[^\n。]+")

_GROUPS = {"lead": "lead", "part": "participants", "resp": "responsible"}


def note_spans(text: str) -> list[tuple[int, int]]:
    """Spans of top-level bracket groups, （ and ( interchangeable (notes mix them)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(":
            start = i if depth == 0 else start
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
            if depth == 0:
                out.append((start, i + 1))
    return out


def _add(roles: dict[str, tuple[str, ...]], role: str, units: tuple[str, ...]) -> None:
    if units:
        roles[role] = roles.get(role, ()) + units


def marked_roles(role: str, text: str) -> dict[str, tuple[str, ...]]:
    """Units of one label or column, split by the role verbs written inside it.

    "区卫生健康局牵头，区财政局、区人社局配合" under 责任单位 gives lead and participants; units before no
    verb take the label's own role ("区卫健局、区财政局" under 责任单位 stay responsible).
    """
    roles: dict[str, tuple[str, ...]] = {}
    pending: list[str] = []
    for piece in re.split(r"[，,；;]", text.strip("。. \n")):
        m = _MARKED.match(piece.strip())
        if m and all(looks_like_body(u) for u in split_units(m.group("units"))):
            _add(roles, _VERB_ROLE[m.group("verb")], split_units("、".join([*pending, m.group("units")])))
            pending = []
        elif piece.strip():
            pending.append(piece)
    _add(roles, role, split_units("、".join(pending)))
    return roles


def parse_note(content: str, strict: bool = False) -> dict[str, tuple[str, ...]] | None:
    """Roles of a note's text (inside （…） or a bare label line), or None when it is not a note.

    ``strict`` (bare lines, not bracketed): every unit must look like a government body.
    """
    roles: dict[str, tuple[str, ...]] = {}
    labels = list(_ROLE.finditer(content))
    if labels and not content[: labels[0].start()].strip():
        for n, m in enumerate(labels):
            end = labels[n + 1].start() if n + 1 < len(labels) else len(content)
            for role, units in marked_roles(_LABEL_ROLE[m.group("role")], content[m.end():end]).items():
                _add(roles, role, units)
        units = [u for us in roles.values() for u in us]
        if not units or (strict and not all(looks_like_body(u) for u in units)):
            return None
        return roles
    if strict:
        return None
    content = content.strip("。 ")
    for pat in (FREE_LEAD, FREE_RESP):
        for text in (content, "由" + content):
            m = pat.fullmatch(text)
            if m:
                return free_roles(m)
    return None


def free_roles(m: re.Match, body=looks_like_body) -> dict[str, tuple[str, ...]] | None:
    """Roles from a "由X牵头，Y配合" / "X负责" phrase; every unit must pass ``body``."""
    roles = {_GROUPS[k]: split_units(v) for k, v in m.groupdict().items() if v}
    units = [u for us in roles.values() for u in us]
    return roles if units and all(body(u) for u in units) else None


def _row_duty(plan_id: str, b: Block) -> Duty | None:
    """A table with 牵头单位 / 配合单位 / 责任单位 columns: one duty per row."""
    roles: dict[str, tuple[str, ...]] = {}
    task = ""
    for h, c in zip(b.header, b.cells):
        h = re.sub(r"\s", "", h)
        m = _COLUMN.search(h)
        if m:
            for role, units in marked_roles(_LABEL_ROLE[m.group()], c).items():
                _add(roles, role, units)
        elif not task and c and not re.fullmatch(r"[\d*.]+", c) and re.search(r"任务|事项|工作|内容|项目|措施|名称", h):
            task = c
    if not any(roles.values()):
        return None
    return Duty(plan_id, task, b.section, roles.get("lead", ()), roles.get("participants", ()),
                roles.get("responsible", ()), b.start, b.end)


Found = tuple[int, int, dict]  # (start, end) in a block's text and the roles stated there


def _notes(b: Block) -> tuple[list[Found], list[Found]]:
    """A paragraph's notes (bracketed or bare label lines), then its "由X牵头/负责" phrases."""
    notes: list[Found] = []
    for lo, hi in note_spans(b.text):
        roles = parse_note(b.text[lo + 1 : hi - 1])
        if roles:
            notes.append((lo, hi, roles))
    for m in _LINE_NOTE.finditer(b.text):
        lo = m.start() + len(m.group()) - len(m.group().lstrip())
        hi = lo + len(m.group().strip().rstrip("；;，,"))
        roles = None if any(a <= lo < z for a, z, _ in notes) else parse_note(b.text[lo:hi], strict=True)
        if roles:
            notes.append((lo, hi, roles))
    free: list[Found] = []
    for pat in (FREE_LEAD, FREE_RESP):
        for m in pat.finditer(b.text):
            roles = free_roles(m)
            if roles and not any(lo <= m.start() < hi for lo, hi, _ in notes + free):
                free.append((m.start(), m.end(), roles))
    return notes, free


def _prose(b: Block, taken: list[Found]) -> list[Found]:
    """Duties stated in sentences without 由 ("X牵头，Y配合", "X负责", "X要…主体责任", "X对…负总责")."""
    found: list[Found] = []
    for pat in PROSE:
        for m in pat.finditer(b.text):
            roles = free_roles(m, names_body)
            spans = taken + found
            if roles and not any(lo < m.end() and m.start() < hi for lo, hi, _ in spans):
                found.append((m.start(), m.end(), roles))
    return found


def _own_line(text: str, lo: int, hi: int) -> bool:
    """A note on a line of its own (not closing a sentence of the sub-item)."""
    return (lo == 0 or text[lo - 1] == "\n") and not text[hi:].split("\n", 1)[0].strip()


_FIRST = re.compile(r"^[（(]?(?:一|1|①)(?![\d十])[）)、.．]?")


def _is_item(title: str, first: str) -> bool:
    """A run-in list item ("（2）强化疾控人才队伍。按照…", or a whole sentence "（二）新建…300张。"), not a
    task heading on its own line ("3. 加强学生健康管理")."""
    line = re.sub(r"\s", "", first.split("\n", 1)[0])
    return len(line) > len(re.sub(r"\s", "", title)) + 1 or line.endswith(("。", "；", ";"))


def _task_of(b: Block, lo: int, hi: int, first_text: dict[tuple, str], labelled: set) -> tuple[str, ...]:
    """The section a note covers. A note on a line of its own after a list of run-in items (（1）…（2）…)
    none of which has a note of its own closes their parent task ("1. 改革完善疾控体系"); else it is
    its own section's. The list has earlier items when this one is not numbered first."""
    parent = b.section[:-1]
    if not parent or not _own_line(b.text, lo, hi) or not _is_item(b.section[-1], first_text[b.section]):
        return b.section
    if _FIRST.match(b.section[-1]) or parent in labelled:
        return b.section
    if any(n[: len(parent)] == parent and n != b.section for n in labelled):
        return b.section
    return parent


def _duty(plan_id: str, section: tuple[str, ...], roles: dict, start: int, end: int) -> Duty:
    return Duty(plan_id, section[-1] if section else "", section, roles.get("lead", ()),
                roles.get("participants", ()), roles.get("responsible", ()), start, end)


def extract_duties(plan_id: str, raw: str, blocks: list[Block]) -> list[Duty]:
    """Responsibility notes in every style, in plan order, each cited by its raw span.

    Prose without 由 counts only in a section that has no note, 由-phrase or table row of its own.
    """
    found = {id(b): _notes(b) for b in blocks if b.kind != "row" and b.pos}
    rows = {id(b): _row_duty(plan_id, b) for b in blocks if b.kind == "row"}
    labelled = {b.section for b in blocks if found.get(id(b), ((), ()))[0]}
    noted = labelled | {b.section for b in blocks if rows.get(id(b)) or found.get(id(b), ((), ()))[1]}
    first_text: dict[tuple, str] = {}  # section → the text of its first paragraph
    out: list[Duty] = []
    for b in blocks:
        first_text.setdefault(b.section, b.text)
        if b.kind == "row":
            out.extend([rows[id(b)]] if rows[id(b)] else [])
            continue
        if not b.pos:
            continue
        notes, free = found[id(b)]
        prose = _prose(b, notes + free) if b.section not in noted else []
        for lo, hi, roles in sorted(notes, key=lambda f: f[0]):
            section = _task_of(b, lo, hi, first_text, labelled)
            out.append(_duty(plan_id, section, roles, b.pos[lo], b.pos[hi - 1] + 1))
        for lo, hi, roles in sorted(free + prose, key=lambda f: f[0]):
            out.append(_duty(plan_id, b.section, roles, b.pos[lo], b.pos[hi - 1] + 1))
    out.sort(key=lambda d: d.start)
    return out


def states_duties(text: str) -> bool:
    """Does a plan word any duty (a role label, or a body that leads, is responsible or bears 主体责任)?

    Read leniently: when it does and no duty was extracted, the gap is ours, not the plan's.
    """
    return bool(_ROLE.search(text)) or any(
        free_roles(m) for pat in (FREE_LEAD, FREE_RESP, *PROSE) for m in pat.finditer(text))

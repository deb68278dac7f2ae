"""Plan metadata (title, jurisdiction, issuer, date, 文号, status) read from the plan text itself.

Nothing here knows the four seed plans: a new district's plan gets its metadata the same way, and an
optional ``plans.json`` in the corpus folder may override any field.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from functools import cached_property

from .parse import clean_line

DOC_KINDS = ("规划", "意见", "方案", "计划", "纲要", "办法", "通知", "要点", "细则")
_TITLE_END = re.compile(rf"(?:{'|'.join(k for k in DOC_KINDS if k != '通知')})(?:（[^）]*）)?$")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_LABEL = re.compile(r"^(发布机构|发文机关|成文日期|发布日期|文号|索引号)[:：]\s*(.+)$")
_DOCNO = re.compile(r"[\u4e00-\u9fa5]{1,10}[〔\[（(]\d{4}[〕\]）)]\s*\d+\s*号")
_ISSUER = re.compile(r"^[\u4e00-\u9fa5（）]{2,30}(?:人民政府办公室|人民政府办公厅|人民政府|委员会|办公室|局|委)$")
# 州 may end a city's own name (温州市, 贵州省): the level word after it belongs to the same place
_PLACE = re.compile(r"([\u4e00-\u9fa5]{1,8}?(?:自治州|自治县|州[市省]?|省|市|区|县|旗|盟))")
_LEVEL_END = re.compile(r"(自治州|自治县|自治区|自治旗|特别行政区|省|市|区|县|旗|州|盟)$")
_LEVEL_CHARS = "省市区县州旗盟"
STATUS_WORDS = ("征求意见稿", "送审稿", "草案", "试行", "修订稿", "讨论稿")


@dataclass(frozen=True)
class Plan:
    """One plan document: its id (file stem), file name and metadata."""

    id: str
    doc: str
    title: str
    jurisdiction: str = ""
    parent: str = ""
    issuer: str = ""
    date: str = ""
    doc_number: str = ""
    status: str = ""
    chars: int = 0
    sha256: str = ""
    source: str = ""  # real path of the file it was read from: only that file (or --replace) replaces it
    pages: tuple[int, ...] = ()  # PDF: offset in the text where each page starts (page n at pages[n-1])
    ocr_lines: tuple[tuple[int, int, float], ...] = ()  # recognised lines of a scan: (start, end, confidence)

    def __post_init__(self) -> None:
        # read back from the manifest's JSON lists: tuples, so plans stay hashable and compare equal
        object.__setattr__(self, "pages", tuple(self.pages))
        object.__setattr__(self, "ocr_lines", tuple(tuple(x) for x in self.ocr_lines))

    @cached_property
    def short_names(self) -> tuple[str, ...]:
        """Names a user may call this plan by: 福山区 → 福山区, 福山, fushan; 海南省 → 海南, hainan.

        A core that starts with a level word (市中区 → 市中) is a piece of ordinary words ("城市中心"), so
        only the full name and its pinyin stand for such a plan.
        """
        names = []
        if self.jurisdiction:
            names.append(self.jurisdiction)
            core = _LEVEL_END.sub("", self.jurisdiction)
            if len(core) >= 2:
                names.extend([core] if core[0] not in _LEVEL_CHARS else [])
                names.append(_pinyin(core))
        return tuple(dict.fromkeys(n for n in names if n))


def _pinyin(name: str) -> str:
    """'福山' → 'fushan', so English questions ("Fushan's plan") find the plan too."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).lower()


def _clean_lines(raw: str, limit: int = 80) -> list[str]:
    out = []
    for line in raw.splitlines():
        text, _ = clean_line(line, 0)
        if text:
            out.append(text)
        if len(out) >= limit:
            break
    return out


_NOT_TITLE = re.compile(r"[《》。：:>|\\，,；;]")  # references, sentences, label lines (索引号：…), site menus
# Words that open a sentence about another document ("根据…规划", "为贯彻落实…"): such a line names what
# the plan follows, never the plan itself.
CITING_OPENERS = ("根据", "按照", "依据", "依照", "遵照", "参照", "对照", "为贯彻", "为深入贯彻", "为全面贯彻", "贯彻",
                  "为落实", "为全面落实", "落实", "结合", "围绕", "对标", "衔接")
# The issuing notice names the plan it issues: "…关于印发《X》的通知", "现将《X》印发给你们".
_ISSUED_TITLE = re.compile(r"(?:关于[^《]{0,4}?(?:印发|征求|公布|发布)[^《]{0,8}《([^》]{4,60})》|现将《([^》]{4,60})》(?:印发|予以|公布))")
_NOTICE = re.compile(r"^(.{2,30}?)关于")  # "X关于印发…的通知": X issued the notice


def _title(lines: list[str], fallback: str) -> tuple[str, int]:
    """The plan's own title line; else the title its issuing notice names (关于印发《X》的通知); else the
    file name. Never a body sentence or a document the plan only cites (根据《…》, 为贯彻落实…规划).
    """
    for n, line in enumerate(lines[:60]):
        if len(line) <= 50 and _TITLE_END.search(line) and not line.startswith(("关于印发", "印发", *CITING_OPENERS)):
            if not _NOT_TITLE.search(line):
                return line, n
    for n, line in enumerate(lines[:20]):
        m = _ISSUED_TITLE.search(line)
        if m and not line.startswith(CITING_OPENERS):
            return m.group(1) or m.group(2), n
    return fallback, 0


def _place(*texts: str) -> tuple[str, str]:
    for text in texts:
        places = [p for p in _PLACE.findall(text) if not p.endswith(("地区", "社区"))]
        places = [re.sub(r"^(关于|印发|加快|推进|健康)+", "", p) for p in places]
        places = [p for p in places if len(p) >= 2]
        if places:
            return places[-1] if len(places) > 1 and places[-1].endswith(("区", "县")) else places[0], (
                places[0] if len(places) > 1 else ""
            )
    return "", ""


def plan_metadata(plan_id: str, doc: str, raw: str) -> Plan:
    """Derive a Plan from the first lines of its text (the 通知 header and the title)."""
    lines = _clean_lines(raw)
    title, title_line = _title(lines, plan_id)
    head = lines[: max(title_line, 1)]
    labels = dict(m.groups() for m in map(_LABEL.match, lines[:40]) if m)  # web-page 发布机构：… lines
    bare = [_DOCNO.sub("", _DATE.sub(" ", ln)).strip() for ln in lines[:40]]  # "X办公室 2022年3月1日 X发〔…〕5号"
    # the issuing body as the document names it beats the web page's 发布机构, often the department that posted it
    notice = next((m.group(1) for m in map(_NOTICE.match, head) if m and _ISSUER.match(m.group(1))), "")
    issuer = labels.get("发文机关") or notice or labels.get("发布机构") or next(
        (b for b in bare[: max(title_line, 1)] if _ISSUER.match(b) and "文件" not in b), "")
    if not issuer:
        issuer = next((b for b in bare if _ISSUER.match(b)), "")
    date_m = _DATE.search(labels.get("成文日期", "")) or _ISO_DATE.search(labels.get("成文日期", "")) or next(
        (m for m in map(_DATE.search, lines[:60]) if m), None)
    date = f"{date_m.group(1)}-{int(date_m.group(2)):02d}-{int(date_m.group(3)):02d}" if date_m else ""
    number = next((m.group() for m in (_DOCNO.search(_DATE.sub(" ", ln)) for ln in head) if m), "")
    status = next((w for w in STATUS_WORDS if any(w in ln for ln in lines[:30])), "")
    jurisdiction, parent = _place(title, issuer)
    if jurisdiction and not parent:
        _, parent = _place(issuer)
    if parent == jurisdiction:
        parent = ""
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return Plan(safe_id(plan_id), doc, title, jurisdiction, parent, issuer, date, number.replace(" ", ""), status,
                len(raw), digest)


def safe_id(name: str) -> str:
    """A plan id usable in file names and chunk ids (plan:section:n)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "-", name).strip("-.") or "plan"


def override(plan: Plan, fields: dict) -> Plan:
    """Apply manifest overrides (plans.json), ignoring unknown keys."""
    known = {k: str(v) for k, v in fields.items() if k in Plan.__dataclass_fields__ and k not in ("id", "doc", "source")}
    return replace(plan, **known)

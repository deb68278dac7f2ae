"""The one text normaliser: how question, plan and claim text are compared everywhere.

- ``normalise``: full-width → half-width (NFKC) and lower case, so 'ＤＲＧ' and 'drg', '３．８５' and '3.85' meet.
- ``flat``: normalised and without any whitespace, because plans break lines inside table cells, names and
  department lists.
- ``key``: flat and without punctuation (only letters, digits, CJK, % and ‰), for matching names whose
  brackets and quotation marks vary (每千人口执业（助理）医师数).
"""

from __future__ import annotations

import re
import unicodedata


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def flat(text: str) -> str:
    return re.sub(r"\s+", "", normalise(text))


def key(text: str) -> str:
    return re.sub(r"[^\w%‰]", "", normalise(text))

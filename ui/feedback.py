"""User feedback (👍/👎 + comment) appended as JSON lines, so answer quality can be reviewed later offline."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

_LOCK = threading.Lock()  # several sessions may vote at once; keep each line whole


def feedback_record(rating: str, comment: str, answer) -> dict:
    """What is stored: the vote, the question, the answer text and where each cited passage sits."""
    sources = answer.citations or answer.nearby
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "rating": rating,
        "comment": (comment or "").strip(),
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "plans": list(answer.plans),
        "citations": [{"n": c.n, "doc": c.doc, "section": c.section, "start": c.start, "end": c.end}
                      for c in sources],
    }


def record_feedback(path: str | Path, rating: str, comment: str, answer) -> dict:
    """Append one JSON line (UTF-8, Chinese kept readable) and return the record."""
    record = feedback_record(rating, comment, answer)
    path = Path(path)
    with _LOCK:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record

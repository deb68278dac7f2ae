"""User feedback (有帮助/没帮助 + comment) appended as JSON lines, so answer quality can be reviewed later offline."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

_LOCK = threading.Lock()  # several sessions may vote at once; keep each line whole
MAX_COMMENT_CHARS = 2000  # a comment is a remark on one answer, not a document
MAX_FILE_BYTES = 50 * 2**20  # past this the feedback file is full: stop appending, keep serving


class FeedbackRefused(ValueError):
    """The comment is too long or the feedback file is full; the message says which."""


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
    if len(comment or "") > MAX_COMMENT_CHARS:
        raise FeedbackRefused(f"反馈意见过长（{len(comment)} 字，上限 {MAX_COMMENT_CHARS} 字），请精简后再提交。")
    record = feedback_record(rating, comment, answer)
    path = Path(path)
    with _LOCK:
        if path.exists() and path.stat().st_size > MAX_FILE_BYTES:
            raise FeedbackRefused("反馈记录已满，请联系管理员。")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record

"""Checks on an uploaded plan file before it reaches the indexer: type by extension *and* content, size capped."""

from __future__ import annotations

import zipfile
from pathlib import Path

MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
PLAN_TYPES = (".txt", ".md", ".docx", ".pdf")


def check_upload(path: str | Path | None) -> str | None:
    """None when the file looks like a plan we can read, else a message (Chinese) saying what is wrong."""
    if not path:
        return "请先选择要上传的规划文件。"
    path = Path(path)
    if not path.is_file():
        return "上传的文件不存在，请重新上传。"
    suffix = path.suffix.lower()
    if suffix not in PLAN_TYPES:
        return f"不支持的文件类型 {suffix or '（无扩展名）'}；请上传 {' / '.join(PLAN_TYPES)} 文件。"
    size = path.stat().st_size
    if size == 0:
        return "文件为空。"
    if size > MAX_UPLOAD_BYTES:
        return f"文件过大（{size / 1024 / 1024:.1f} MB），上限 {MAX_UPLOAD_MB} MB。"
    head = path.read_bytes()[:65536] if suffix in (".txt", ".md") else path.open("rb").read(8)
    if suffix == ".pdf" and not head.startswith(b"%PDF"):
        return "文件扩展名为 .pdf，但内容不是 PDF。"
    if suffix == ".docx":
        if not zipfile.is_zipfile(path):
            return "文件扩展名为 .docx，但内容不是 Word 文档。"
        with zipfile.ZipFile(path) as z:
            if "word/document.xml" not in z.namelist():
                return "文件扩展名为 .docx，但内容不是 Word 文档。"
    if suffix in (".txt", ".md"):
        if b"\x00" in head:
            return "文本文件中含有二进制内容，请确认文件类型。"
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
                break
            except UnicodeDecodeError as exc:
                if encoding == "utf-8" and exc.start >= len(head) - 3:
                    break  # a multi-byte character cut by the 64 KB sample
        else:
            return "无法识别文本编码（支持 UTF-8 / GB18030）。"
    return None

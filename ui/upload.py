"""Checks on an uploaded plan file before it reaches the indexer: type by extension *and* content, size capped."""

from __future__ import annotations

import codecs
import os
import shutil
import zipfile
from pathlib import Path

from assistant.ingest import SUFFIXES as PLAN_TYPES  # the reader's list: what `assistant add` reads, the UI takes
from assistant.settings import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

SAMPLE_BYTES = 65536  # of a text file, enough to tell its encoding
# What each binary type's content starts with, so a renamed file is refused before it reaches the indexer.
MAGIC = {".pdf": (b"%PDF",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}
KIND = {".pdf": "PDF", ".png": "PNG 图片", ".jpg": "JPEG 图片", ".jpeg": "JPEG 图片"}


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
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES if suffix in (".txt", ".md") else 8)
    if suffix in MAGIC and not head.startswith(MAGIC[suffix]):
        return f"文件扩展名为 {suffix}，但内容不是 {KIND[suffix]}。"
    if suffix == ".docx":
        if not zipfile.is_zipfile(path):
            return "文件扩展名为 .docx，但内容不是 Word 文档。"
        with zipfile.ZipFile(path) as z:
            if "word/document.xml" not in z.namelist():
                return "文件扩展名为 .docx，但内容不是 Word 文档。"
    if suffix in (".txt", ".md"):
        if b"\x00" in head:
            return "文本文件中含有二进制内容，请确认文件类型。"
        final = len(head) == size  # a sample that stops mid-file may cut a multi-byte character (any encoding)
        for encoding in ("utf-8", "gb18030"):
            try:
                codecs.getincrementaldecoder(encoding)().decode(head, final=final)
                break
            except UnicodeDecodeError:
                continue
        else:
            return "无法识别文本编码（支持 UTF-8 / GB18030）。"
    return None


def keep_upload(path: str | Path, index_dir: str | Path) -> Path:
    """Copy an upload (Gradio gives each one a new temporary path) to ``<index>.uploads/<name>`` beside
    the index: the plan's source path is then stable, so uploading a file of the same name again
    replaces that plan instead of adding a second copy."""
    from assistant.swap import real_index

    path = Path(path)
    real = real_index(index_dir)
    folder = real.parent / f"{real.name}.uploads"
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / path.name
    tmp = folder / f".{path.name}.part"
    shutil.copyfile(path, tmp)
    os.replace(tmp, dest)
    return dest


def add_isolated(assistant, path: str | Path):
    """The web app's way to add a plan: in a child process (questions keep being answered meanwhile),
    then the index reloaded with the encoder already in memory. Returns (assistant, report)."""
    from assistant.build import add_in_child
    from assistant.store import IndexChanged

    report = add_in_child(assistant.settings, keep_upload(path, assistant.settings.index_dir))
    for attempt in range(3):  # another writer may swap the index in while it loads: load that one whole
        try:
            return type(assistant).load(settings=assistant.settings, encoder=getattr(assistant, "_encoder", None)), report
        except IndexChanged:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")

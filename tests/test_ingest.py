"""Adding plans safely: formats, encodings, incremental updates, and bad input that changes nothing."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.build import add_files, remove_plans
from assistant.cli import cli
from assistant.ingest import InputError, read_document
from assistant.settings import Settings

NEW_PLAN = """临河县“十四五”卫生健康事业发展规划

第一章 发展基础
全县共有医疗卫生机构120家。
第二章 主要任务
第一节 提升基层服务能力
到2025年，全县每千人口注册护士数达到3.6人，村卫生室标准化建设达标率达到100%。
由县卫生健康局牵头，县财政局、县医疗保障局配合。
第二节 建设县域医共体
建成紧密型县域医共体2个，县人民医院新建病房楼一座。
"""


def checksum(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture()
def work_index(index_dir, tmp_path) -> Settings:
    """A private copy of the session index, so writes do not disturb other tests."""
    dest = tmp_path / "idx"
    shutil.copytree(index_dir, dest)
    return Settings(index_dir=dest, corpus_dir=tmp_path)


def test_encodings_are_detected(tmp_path):
    for name, data in [("bom.txt", b"\xef\xbb\xbf" + NEW_PLAN.encode()), ("gbk.txt", NEW_PLAN.encode("gb18030"))]:
        (tmp_path / name).write_bytes(data)
        doc = read_document(tmp_path / name, Settings().chunking)
        assert doc.plan.title == "临河县“十四五”卫生健康事业发展规划"
        assert doc.plan.jurisdiction == "临河县"
        assert any("第一节提升基层服务能力" in c.section for c in doc.chunks)


def test_docx_paragraphs_headings_and_tables_in_order(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("临河县卫生健康规划", level=1)
    d.add_paragraph("一、主要指标")
    table = d.add_table(rows=3, cols=4)
    for r, row in enumerate([("指标", "单位", "2020年", "2025年"), ("每千人口床位数", "张", "5.1", "6.0"),
                             ("每千人口注册护士数", "人", "3.0", "3.6")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.add_paragraph("二、主要任务")
    d.add_paragraph("（一）提升基层能力。到2025年村卫生室达标率达到100%。")
    path = tmp_path / "plan.docx"
    d.save(path)
    doc = read_document(path, Settings().chunking)
    rows = [c for c in doc.chunks if c.kind == "row"]
    assert len(rows) == 2 and "2025年 3.6" in rows[1].text
    assert doc.text[rows[1].start : rows[1].end].startswith("每千人口注册护士数")
    assert any(c.section[-1].startswith("（一）提升基层能力") for c in doc.chunks)


def _pdf(text: str | None) -> bytes:
    """A minimal one-page PDF; without text it has no text layer, like a scan."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def test_pdf_text_layer_and_scanned_pdf(tmp_path):
    (tmp_path / "plan.pdf").write_bytes(_pdf("Linhe County health plan: nurses per 1000 people reach 3.6 by 2025."))
    doc = read_document(tmp_path / "plan.pdf", Settings().chunking)
    assert "3.6" in doc.text
    (tmp_path / "scan.pdf").write_bytes(_pdf(None))
    with pytest.raises(InputError, match="OCR found no text"):  # a blank scan: recognised, nothing found
        read_document(tmp_path / "scan.pdf", Settings().chunking)


def test_add_new_then_unchanged_then_changed_then_remove(work_index, tmp_path):
    plan = tmp_path / "linhe-plan.txt"
    plan.write_text(NEW_PLAN, encoding="utf-8")
    before = Assistant.load(settings=work_index)
    old_answer = before.ask("福山区到2025年每千人口注册护士数要达到多少？")

    assert [c.action for c in add_files(work_index, [plan], log=lambda m: None)] == ["added"]
    after = Assistant.load(settings=work_index)
    answer = after.ask("临河县到2025年每千人口注册护士数达到多少？")
    assert answer.plans == ("linhe-plan",) and "3.6" in answer.text
    assert after.ask("福山区到2025年每千人口注册护士数要达到多少？").text == old_answer.text

    sum_before = checksum(work_index.index_dir)
    assert [c.action for c in add_files(work_index, [plan], log=lambda m: None)] == ["unchanged"]
    assert checksum(work_index.index_dir) == sum_before

    plan.write_text(NEW_PLAN.replace("3.6人", "3.8人"), encoding="utf-8")
    logs = []
    assert [c.action for c in add_files(work_index, [plan], log=logs.append)] == ["replaced"]
    embedded = int(logs[0].split("embedding ")[1].split()[0])
    assert 1 <= embedded <= 2, logs[0]  # only the changed chunk(s) are embedded again
    assert "3.8" in Assistant.load(settings=work_index).ask("临河县每千人口注册护士数目标？").text

    remove_plans(work_index, ["linhe-plan"], log=lambda m: None)
    assert "linhe-plan" not in {p.id for p in Assistant.load(settings=work_index).plans}


BAD_FILES = {
    "empty.txt": (b"", "empty"),
    "random.txt": (bytes(range(256)) * 40, "not a text file"),
    "fake.docx": (b"this is not a zip file", "not a valid .docx"),
    "plan.xlsx": (b"PK\x03\x04", "unsupported file type"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_refused_and_the_index_is_unchanged(work_index, tmp_path, name):
    data, message = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    before = checksum(work_index.index_dir)
    res = CliRunner().invoke(cli, ["add", "--index", str(work_index.index_dir), str(path)])
    assert res.exit_code != 0 and message in res.output
    assert checksum(work_index.index_dir) == before


def test_a_file_over_the_size_limit_is_refused_before_reading(work_index, tmp_path):
    from assistant.settings import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:  # sparse: no need to write the bytes
        fh.truncate(MAX_UPLOAD_BYTES + 1)
    before = checksum(work_index.index_dir)
    res = CliRunner().invoke(cli, ["add", "--index", str(work_index.index_dir), str(big)])
    assert res.exit_code != 0 and "file too large" in res.output and f"上限 {MAX_UPLOAD_MB} MB" in res.output
    assert checksum(work_index.index_dir) == before


def test_missing_path_and_duplicate_plan_are_refused(work_index, tmp_path):
    before = checksum(work_index.index_dir)
    res = CliRunner().invoke(cli, ["add", "--index", str(work_index.index_dir), str(tmp_path / "nope.txt")])
    assert res.exit_code != 0 and "file not found" in res.output
    copy = tmp_path / "same-as-fushan.txt"
    copy.write_bytes((work_index.index_dir / "plans" / "fushan-health-plan.txt").read_bytes())
    res = CliRunner().invoke(cli, ["add", "--index", str(work_index.index_dir), str(copy)])
    assert res.exit_code != 0 and "duplicate of plan 'fushan-health-plan'" in res.output
    assert checksum(work_index.index_dir) == before


def test_text_without_headings_is_still_searchable(work_index, tmp_path):
    plain = tmp_path / "notes.txt"
    plain.write_text("某区今年将新建社区卫生服务站12个，并为65岁以上老年人免费体检。", encoding="utf-8")
    add_files(work_index, [plain], log=lambda m: None)
    answer = Assistant.load(settings=work_index).ask("新建社区卫生服务站多少个？", plans=["notes"])
    assert "12" in answer.text and answer.citations[0].section == ""


def test_list_and_remove_cli(work_index):
    runner = CliRunner()
    res = runner.invoke(cli, ["list", "--index", str(work_index.index_dir)])
    assert res.exit_code == 0 and "烟福政办发〔2023〕7号" in res.output and "烟台市福山区人民政府办公室" in res.output
    assert res.output.splitlines()[0].startswith("id\t标题")  # a header names the columns
    res = runner.invoke(cli, ["remove", "--index", str(work_index.index_dir), "不存在"])
    assert res.exit_code != 0 and "unknown plan" in res.output
    res = runner.invoke(cli, ["remove", "--index", str(work_index.index_dir), "济宁市"])
    assert res.exit_code == 0 and "jining-health-plan" in res.output


def test_interrupted_swap_is_recovered_from_its_journal(work_index):
    import json

    idx = work_index.index_dir
    shutil.copytree(idx, idx.parent / f".{idx.name}.tmp-7-ab")  # the complete new folder
    idx.rename(idx.parent / f".{idx.name}.old-7-ab")  # killed after the first rename
    (idx.parent / f".{idx.name}.swap.json").write_text(json.dumps({"new": f".{idx.name}.tmp-7-ab",
                                                                   "old": f".{idx.name}.old-7-ab"}))
    assert Assistant.load(settings=work_index).plans  # the journal's swap is finished
    assert not list(idx.parent.glob(f".{idx.name}.*-7-ab"))

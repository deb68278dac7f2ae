"""Scanned plans: recognition, layout back into paragraphs and table rows, pages in citations, the cache.

The end-to-end test draws a made-up style plan (with a duty table) as an image-only PDF in a Debian
Chinese font, adds it with ``assistant add`` in place of its text version, and checks that its target,
duty and fact questions are answered the same, and the character error rate of the recognised text.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant import Assistant, ocr
from assistant.cli import cli
from assistant.ingest import InputError, read_document, usable_layer
from assistant.ocr import Box, Grid, PageText, assemble, layout, normalise
from assistant.settings import Settings
from eval.runner import load_items, score
from eval.scanned import cer, edit_distance, render_pages, scan_noise, scanned_pdf

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "eval" / "fixtures" / "changji-implementation-plan.txt"
SHORT_PLAN = """临河县卫生健康局关于印发临河县基层卫生服务能力提升方案的通知

到2025年，全县每千人口注册护士数达到3.6人，村卫生室标准化建设达标率达到100%，乡镇卫生院全部达到服务能力基本标准。

责任单位：县卫生健康局牵头，县财政局、县医疗保障局配合
"""


@pytest.fixture(autouse=True)
def ocr_cache(tmp_path, monkeypatch) -> Path:
    """Each test recognises into its own cache folder."""
    folder = tmp_path / "ocr-cache"
    monkeypatch.setenv("ASSISTANT_OCR_CACHE", str(folder))
    return folder


def _box(x0, y0, x1, text, conf=0.99, h=25) -> Box:
    return Box(x0, y0, x1, y0 + h, text, conf)


# --- recogniser confusions -----------------------------------------------------------------------

@pytest.mark.parametrize("raw, fixed", [
    ("婴儿死亡率控制在5.5%0以下", "婴儿死亡率控制在5.5‰以下"),
    ("规划期为2021一2025年", "规划期为2021—2025年"),
    ("昌州政办发〔2021]46号", "昌州政办发〔2021〕46号"),
    ("(1)优化疾控机构职能设置", "（1）优化疾控机构职能设置"),
    ("州直各部门(单位):", "州直各部门（单位）："),
])
def test_known_confusions_are_undone(raw, fixed):
    assert normalise(raw) == fixed


@pytest.mark.parametrize("text", ["增长10%0.5个百分点", "一二三", "CT (computed tomography), MRI", "统一100%覆盖"])
def test_text_without_those_confusions_is_kept(text):
    assert normalise(text) == text


# --- layout --------------------------------------------------------------------------------------

def test_lines_join_into_paragraphs_and_break_at_indents_short_lines_and_enumerations():
    boxes = [
        _box(150, 100, 1130, "为深入贯彻健康中国行动部署，全方位维护全州各族群众健康，结合实际制定本"),
        _box(110, 140, 400, "方案。"),  # not indented, previous line full: same paragraph
        _box(150, 180, 1130, "“十三五”以来，全州卫生健康事业较快发展，各族群众健康水平持续提升，到年"),
        _box(110, 220, 1130, "底全州共有医疗卫生机构一千二百家，床位数稳步增加，人员队伍不断壮大。"),
        _box(110, 260, 600, "一、总体要求"),  # full line ending in 。 then an enumeration: new paragraph
        _box(150, 300, 500, "（一）指导思想"),
        _box(150, 340, 1130, "以人民健康为中心，把健康融入所有政策，动员全社会参与，牵头单位为州卫生"),
        _box(110, 380, 300, "健康委。"),
    ]
    page = layout(boxes, [], 1754)
    assert page.text.split("\n") == [
        "为深入贯彻健康中国行动部署，全方位维护全州各族群众健康，结合实际制定本方案。",
        "“十三五”以来，全州卫生健康事业较快发展，各族群众健康水平持续提升，到年底全州共有医疗卫生机构一千二百家，"
        "床位数稳步增加，人员队伍不断壮大。",
        "一、总体要求",
        "（一）指导思想",
        "以人民健康为中心，把健康融入所有政策，动员全社会参与，牵头单位为州卫生健康委。",
    ]
    assert not page.opens and not page.closes  # indented first line; short last line
    a, b, _ = page.lines[1]
    assert page.text[a:b] == "方案。"


def test_a_page_number_in_the_margin_is_dropped_but_not_a_number_in_the_body():
    boxes = [_box(110, 100, 1130, "到2025年建成健康步道120公里。"), _box(150, 500, 200, "120"),
             _box(580, 1660, 660, "— 3 —")]
    assert layout(boxes, [], 1754).text == "到2025年建成健康步道120公里。\n120"


def test_ruled_table_cells_become_one_tab_row_with_wrapped_cells_joined():
    grid = Grid(100, 800, 1100, 1000, ((800, 850), (850, 1000)), ((160, 600, 800), (160, 600, 800)))
    boxes = [
        _box(110, 810, 150, "序号"), _box(170, 810, 400, "重点任务"), _box(610, 810, 780, "牵头单位"),
        _box(810, 810, 1000, "配合单位"),
        _box(110, 860, 130, "4"), _box(170, 860, 590, "控烟行动：建设无烟党政机关"),
        _box(170, 895, 590, "、无烟医疗卫生机构"), _box(610, 860, 780, "州卫生健康委"),
        _box(810, 860, 1090, "州教育局、州市场监管局、州"), _box(810, 895, 1000, "直机关工委"),
        _box(150, 1040, 900, "对上述重点任务，各牵头单位要把握以下要求："),
    ]
    text = layout(boxes, [grid], 1754).text
    assert layout([b for b in boxes if b.text != "州卫生健康委"], [grid], 1754).text.split("\n")[1].split("\t")[2] == ""
    assert text.split("\n") == ["序号\t重点任务\t牵头单位\t配合单位",
                                "4\t控烟行动：建设无烟党政机关、无烟医疗卫生机构\t州卫生健康委\t州教育局、州市场监管局、州直机关工委",
                                "对上述重点任务，各牵头单位要把握以下要求："]
    assert "控烟行动：建设无烟党政机关、无烟医疗卫生机构" not in layout(boxes, [], 1754).text  # no grid: no cells


def _drawn(text: str) -> np.ndarray:
    return np.asarray(render_pages(text)[0])


def test_ruled_tables_are_found_and_prose_is_not_a_table():
    table = "| 序号 | 任务 | 牵头单位 |\n| --- | --- | --- |\n| 1 | 建设胸痛中心 | 州卫生健康委 |\n| 2 | 推进医养结合 | 州民政局 |"
    grids = ocr.find_grids(_drawn(table))
    assert len(grids) == 1 and len(grids[0].rows) == 3 and all(len(c) == 2 for c in grids[0].cols)
    assert ocr.find_grids(_drawn(SHORT_PLAN)) == []


def test_a_slightly_rotated_scan_is_straightened_and_an_upright_one_left_alone():
    from PIL import Image

    page = render_pages(SHORT_PLAN)[0]
    _, angle = ocr.deskew(np.asarray(page.rotate(1.0, resample=Image.BICUBIC, fillcolor=255)))
    assert abs(angle + 1.0) <= 0.15
    assert ocr.deskew(np.asarray(page))[1] == 0.0


def test_pages_run_on_where_a_recognised_paragraph_continues():
    one = PageText("第一段。\n第二段未完", [(0, 4, 0.99), (5, 10, 0.6)], False, True)
    two = PageText("续写完毕。", [(0, 5, 0.98)], True, False)
    out = assemble([("", one), ("", two), ("文字层页面的文字", None)])
    assert out.text == "第一段。\n第二段未完续写完毕。\n文字层页面的文字"
    assert out.pages == (0, 10, 16)
    assert [out.text[a:b] for a, b, _ in out.ocr_lines] == ["第一段。", "第二段未完", "续写完毕。"]
    assert ocr.page_of(out.pages, 12) == 2 and ocr.page_of(out.pages, 16) == 3 and ocr.page_of((), 5) == 0
    assert ocr.span_confidence(out.ocr_lines, 6, 13) == 0.6
    assert ocr.span_confidence(out.ocr_lines, 16, 20) is None  # text-layer page: not OCR text
    closed = PageText("第二段完。", [(0, 5, 0.99)], False, False)
    assert assemble([("", closed), ("", two)]).text == "第二段完。\n续写完毕。"


def test_the_source_note_flags_ocr_text_and_low_confidence():
    assert ocr.scan_note(3, None) == "（第3页）"
    assert ocr.scan_note(3, 0.97) == "（第3页，扫描件识别文本）"
    assert ocr.scan_note(0, 0.5) == "（扫描件识别文本，识别置信度低，请核对原件）"
    assert ocr.scan_note(0, None) == "" and ocr.scan_note(2, 0.99, english=True) == " (p. 2, OCR text)"


def test_a_text_layer_is_used_only_when_it_is_real_text():
    assert usable_layer("到2025年，全县每千人口注册护士数达到3.6人，村卫生室标准化建设达标率达到100%。")
    assert not usable_layer("第3页")  # a page number over a scanned image
    assert not usable_layer("\ue001\ue002\ue003\ue004" * 10 + "卫生")  # private-use glyphs of a broken font


def test_edit_distance_and_cer():
    assert edit_distance("kitten", "sitting") == 3 and edit_distance("", "ab") == 2
    assert cer("| 指标 | 2025年 |\n", "指标\t2025年") == 0.0 and cer("指标2O25年", "指标2025年") == pytest.approx(1 / 7)


# --- files ---------------------------------------------------------------------------------------

def _text_pdf(pages: list[str]) -> bytes:
    """A PDF with a text layer on each page (Helvetica, ASCII)."""
    n = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, text in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R "
                    f"/Resources << /Font << /F1 3 0 R >> >> >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)


def test_text_layer_pdf_pages_are_recorded_without_ocr(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "page_text", lambda gray: pytest.fail("a text-layer page was sent to OCR"))
    path = tmp_path / "plan.pdf"
    path.write_bytes(_text_pdf(["Linhe County health plan, page one: nurses reach 3.6 per 1000.",
                                "Page two: village clinics all meet the standard by 2025."]))
    doc = read_document(path, Settings().chunking)
    assert len(doc.plan.pages) == 2 and doc.plan.ocr_lines == ()
    second = doc.text.index("Page two")
    assert ocr.page_of(doc.plan.pages, second) == 2 and ocr.page_of(doc.plan.pages, 0) == 1


def _image_pdf(text: str, out: Path) -> None:
    import random

    pages = [scan_noise(p, random.Random(3)) for p in render_pages(text)]
    pages[0].save(out, "PDF", resolution=150, save_all=True, append_images=pages[1:])


def test_mixed_pdf_uses_the_text_layer_and_recognises_only_the_scanned_page(tmp_path):
    from pypdf import PdfReader, PdfWriter

    scan = tmp_path / "scan.pdf"
    _image_pdf(SHORT_PLAN, scan)
    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(_text_pdf(["Cover page of the Linhe County plan, issued in 2022."]))).pages[0])
    writer.add_page(PdfReader(scan).pages[0])
    path = tmp_path / "mixed.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    doc = read_document(path, Settings().chunking)
    assert doc.text.startswith("Cover page of the Linhe County plan")
    assert len(doc.plan.pages) == 2 and doc.plan.ocr_lines
    assert all(a >= doc.plan.pages[1] for a, _, _ in doc.plan.ocr_lines)
    assert "责任单位：县卫生健康局牵头，县财政局、县医疗保障局配合" in doc.text
    assert any(d.lead == ("县卫生健康局",) for d in doc.duties)


def test_a_photo_is_recognised_and_cached_by_content(tmp_path, monkeypatch, ocr_cache):
    path = tmp_path / "photo.png"
    render_pages(SHORT_PLAN)[0].save(path)
    seen = []
    doc = read_document(path, Settings().chunking, on_page=lambda *a: seen.append(a))
    assert seen == [("photo.png", 1, 1)]
    assert "每千人口注册护士数达到3.6人" in doc.text and doc.plan.pages == () and doc.plan.ocr_lines
    assert list(ocr_cache.glob("*.json"))
    monkeypatch.setattr(ocr, "page_text", lambda gray: pytest.fail("recognised twice"))
    assert read_document(path, Settings().chunking).text == doc.text  # same bytes: from the cache
    changed = tmp_path / "changed.png"
    render_pages(SHORT_PLAN.replace("3.6", "3.8"))[0].save(changed)
    with pytest.raises(pytest.fail.Exception, match="recognised twice"):
        read_document(changed, Settings().chunking)  # other bytes: recognised again


def test_blank_scan_and_page_limit_give_clear_messages(tmp_path, monkeypatch):
    from PIL import Image

    blank = tmp_path / "blank.pdf"
    Image.new("L", (1240, 1754), 255).save(blank, "PDF", resolution=150)
    with pytest.raises(InputError, match="OCR found no text"):
        read_document(blank, Settings().chunking)
    monkeypatch.setattr(ocr, "MAX_PAGES", 0)
    with pytest.raises(InputError, match="the limit is 0"):
        read_document(blank, Settings().chunking)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg at all")
    with pytest.raises(InputError, match="not a readable image"):
        read_document(bad, Settings().chunking)


# --- end to end ----------------------------------------------------------------------------------

def test_scanned_plan_answers_like_its_text_version(index_dir, tmp_path):
    """`assistant add --replace` of the image-only PDF replaces the text plan of the same id; answers must agree."""
    items = [i for i in load_items(ROOT / "eval" / "questions") if i.doc == (FIXTURE.name,)
             and i.type in ("target", "responsibility", "fact")]
    assert len(items) >= 10
    text_version = Assistant.load(index_dir)
    work = tmp_path / "idx"
    shutil.copytree(index_dir, work)
    pdf = tmp_path / f"{FIXTURE.stem}.pdf"
    pages = scanned_pdf(FIXTURE.read_text(encoding="utf-8"), pdf)
    assert pages <= 5  # CI cost: a few pages
    res = CliRunner().invoke(cli, ["add", "--index", str(work), "--replace", FIXTURE.stem, str(pdf)])
    assert res.exit_code == 0, res.output
    scanned = Assistant.load(work)
    plan = next(p for p in scanned.plans if p.id == FIXTURE.stem)
    assert len(plan.pages) == pages and plan.ocr_lines
    rate = cer(scanned.texts[plan.id], FIXTURE.read_text(encoding="utf-8"))
    same = []
    for item in items:
        before, after = text_version.ask(item.question), scanned.ask(item.question)
        same.append(score(item, before.text, before.abstained)[0] == score(item, after.text, after.abstained)[0])
    agreement = sum(same) / len(same)
    print(f"\nOCR {FIXTURE.name}: {pages} pages, CER {rate:.2%}, answers agree {sum(same)}/{len(same)} = {agreement:.0%}")
    assert rate <= 0.02
    assert agreement >= 0.9
    answer = scanned.ask("昌吉州控烟行动由哪个部门牵头？哪些单位配合？")
    cited = answer.citations[0]
    assert cited.page >= 1 and cited.ocr_confidence is not None and "扫描件识别文本" in answer.text
    assert scanned.texts[plan.id][cited.start:cited.end] == cited.quote  # quotes are exact offsets
    assert "扫描件识别文本" not in text_version.ask("昌吉州控烟行动由哪个部门牵头？哪些单位配合？").text


def test_a_drawn_table_is_read_cell_by_cell_with_lone_digits():
    """The detector runs lines across column rules and misses a lone digit; both are read per cell, on a
    page scanned slightly askew (a tilted rule is no long straight stroke until the page is straightened)."""
    from PIL import Image

    table = ("| 序号 | 重点任务 | 牵头单位 | 完成时限 |\n| --- | --- | --- | --- |\n"
             "| 1 | 健康知识普及行动：建立州、县两级健康科普专家库 | 州卫生健康委 | 2022年底 |\n"
             "| 2 | 合理膳食行动：推进减盐、减油、减糖 | 州卫生健康委 | 2025年底 |")
    page = render_pages(table)[0]
    for image in (page, page.rotate(0.8, resample=Image.BICUBIC, fillcolor=255)):
        rows = ocr.page_text(np.asarray(image)).text.split("\n")
        assert rows[0] == "序号\t重点任务\t牵头单位\t完成时限"
        assert rows[1] == "1\t健康知识普及行动：建立州、县两级健康科普专家库\t州卫生健康委\t2022年底"
        assert rows[2].startswith("2\t合理膳食行动")

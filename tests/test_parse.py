"""Parsing the real plans: debris, headings in every style, tables, page-break joins, offsets."""

from __future__ import annotations

import re

from assistant.chunking import ChunkSettings, chunk_blocks, split_sentences
from assistant.meta import plan_metadata
from assistant.parse import SEP, clean_line, heading_of, parse_blocks
from tests.conftest import plan_text


def sections(name: str) -> set[str]:
    return {SEP.join(b.section) for b in parse_blocks(plan_text(name))}


def test_clean_line_strips_debris_and_keeps_offsets():
    raw = "[bookmark: _Toc1]**1. 加强急救体系建设。**到 2025 年，达到 95%。"
    text, pos = clean_line(raw, 100)
    assert text == "1.加强急救体系建设。到2025年，达到95%。"
    assert all(raw[p - 100] == ch for ch, p in zip(text, pos))


def test_heading_styles():
    assert heading_of("第一章 总体要求") == (1, "第一章 总体要求")
    assert heading_of("第二节 医疗服务") == (2, "第二节 医疗服务")
    assert heading_of("三、主要任务") == (3, "三、主要任务")
    assert heading_of("（四）推进医疗资源提质扩容和区域均衡布局")[0] == 4
    raw = "**23. 加强急救体系建设。**建立完善政府主导的院前医疗急救服务体系。"
    assert heading_of(clean_line(raw, 0)[0], raw) == (5, "23. 加强急救体系建设")
    assert heading_of("专栏 4 医疗服务重点提升项目")[0] == 5
    assert heading_of("2020年全市人均预期寿命为79.29岁。") is None
    assert heading_of("1.5亿元用于建设") is None


def test_section_paths_in_every_style():
    fushan = sections("fushan-health-plan.txt")
    assert "三、主要任务 › （四）推进医疗资源提质扩容和区域均衡布局 › 23. 加强急救体系建设" in fushan
    assert any(s.endswith("专栏4医疗服务重点提升项目") for s in fushan)
    assert "三、主要任务 › （一）实施公共卫生跃升工程 › 专栏1公共卫生跃升工程" in sections("jining-health-plan.txt")
    assert any(s.endswith("1.推进医疗联合体建设") for s in sections("zhangdian-health-opinions.txt"))


def test_page_break_inside_a_note_is_joined():
    blocks = parse_blocks(plan_text("fushan-health-plan.txt"))
    note = next(b for b in blocks if "生态环境局福山分局" in b.text)
    assert "区水利局" in note.text  # "区\n\n水利局" in the file
    assert "区人力资源和社会保障局、区应急局" in next(b for b in blocks if "区总工会" in b.text and "职业病危害" in b.text).text


def test_tables_in_all_three_layouts():
    for name, indicator, cells in [
        ("fushan-health-plan.txt", "每千人口注册护士数", ("2.57", "4.05", "预期性")),
        ("zhangdian-health-plan.txt", "健康预期寿命", ("69.53", "同比例增加", "预期性")),
        ("jining-health-plan.txt", "肺结核发病率", ("*7", "25.85", "20")),
    ]:
        rows = [b for b in parse_blocks(plan_text(name)) if b.kind == "row"]
        row = next(b for b in rows if indicator in b.cells)
        assert all(c in row.cells for c in cells), row.cells
        assert len(row.cells) == len(row.header) == 7
        assert row.table and row.section


def test_every_row_of_the_cell_per_line_tables():
    rows = [b for b in parse_blocks(plan_text("jining-health-plan.txt")) if b.kind == "row"]
    assert [int(b.cells[1].lstrip("*")) for b in rows] == list(range(1, 37))
    assert rows[14].cells[0] == "医疗资源配置"  # group label carried to the rows below it


def test_chunks_respect_sections_rows_and_offsets():
    raw = plan_text("fushan-health-plan.txt")
    chunks = chunk_blocks("fushan", parse_blocks(raw), ChunkSettings())
    assert len({c.id for c in chunks}) == len(chunks)
    for c in chunks:
        quote = raw[c.start : c.end]
        if c.kind == "para":
            assert re.sub(r"\s|\*\*|#", "", quote) == re.sub(r"\s", "", c.text)
            assert len(c.text) <= ChunkSettings().size
        else:
            assert "\n" not in quote.strip()  # one whole table row
    row = next(c for c in chunks if c.kind == "row" and "注册护士" in c.text)
    assert row.text.startswith("主要发展指标：") and "2025年 4.05" in row.text
    assert "福山区" in row.search_text("烟台市福山区“十四五”卫生与健康规划")


def test_sentences_keep_notes_whole_and_punctuation_at_the_end():
    text = "到2025年达到95%。（牵头部门：区卫生健康局；参与部门：区财政局）下一句；"
    spans = [text[a:b] for a, b in split_sentences(text)]
    assert spans == ["到2025年达到95%。", "（牵头部门：区卫生健康局；参与部门：区财政局）下一句；"]


def test_metadata_comes_from_the_text():
    fushan = plan_metadata("f", "f.txt", plan_text("fushan-health-plan.txt"))
    assert (fushan.title, fushan.jurisdiction, fushan.doc_number, fushan.date) == (
        "烟台市福山区“十四五”卫生与健康规划", "福山区", "烟福政办发〔2023〕7号", "2023-08-14")
    opinions = plan_metadata("o", "o.txt", plan_text("zhangdian-health-opinions.txt"))
    assert opinions.title == "关于加快推进健康张店创新发展的意见"
    assert opinions.jurisdiction == "张店区" and opinions.doc_number == "张政字〔2023〕48号"
    jining = plan_metadata("j", "j.txt", plan_text("jining-health-plan.txt"))
    assert jining.jurisdiction == "济宁市" and jining.issuer == "济宁市人民政府"
    assert "fushan" in fushan.short_names and "福山" in fushan.short_names
    draft = plan_metadata("d", "d.txt", "某某县“十四五”卫生健康规划（征求意见稿）\n一、总体要求\n正文。")
    assert draft.status == "征求意见稿" and draft.jurisdiction == "某某县"


def test_a_whole_sentence_item_is_no_heading():
    assert heading_of("（三）新建县精神卫生中心，规划床位280张。") is None
    assert heading_of("（2）新建县康复医院，设置床位90张。（牵头单位：县卫生健康局）") is None
    assert heading_of("二、坚持预防为主，推动关口前移。") is None
    # a heading: a title with its body on the same line, a title with a full stop, a bare comma title
    assert heading_of("（一）人民至上，健康优先。把人民健康融入各项政策。") == (4, "（一）人民至上，健康优先")
    assert heading_of("2.提升区级医院服务能力。") == (5, "2.提升区级医院服务能力")
    assert heading_of("（一）构建强大的公共卫生体系，提高疾病风险防治能力") is not None
    text = "二、重点任务\n（一）新建中心，规划床位280张。\n（二）扩建医院，新增床位60张。\n牵头单位：县卫生健康局\n"
    assert {b.section for b in parse_blocks(text)} == {("二、重点任务",)}


def test_a_heading_written_as_a_sentence_keeps_its_text():
    text = "专栏4 重点项目\n（1）某某医学检验中心。\n（2）某某再生医学研究基地。\n第二节 其他\n正文。"
    kept = [b.text for b in parse_blocks(text)]
    assert "（1）某某医学检验中心。\n" in kept and "（2）某某再生医学研究基地。\n" in kept
    bare = "第一节 总体要求\n（一）指导思想\n（二）基本原则\n坚持预防为主。"
    assert [b.text for b in parse_blocks(bare)] == ["（二）基本原则\n坚持预防为主。"]


def test_a_city_named_with_zhou_keeps_its_level_word():
    text = "某州市某城区卫生健康局\n某城区卫生健康事业发展规划（征求意见稿）\n正文。"
    plan = plan_metadata("x", "x.txt", text)
    assert (plan.jurisdiction, plan.parent) == ("某城区", "某州市")
    prefecture = plan_metadata("y", "y.txt", "某吉州人民政府办公室\n健康某吉行动实施方案\n正文。")
    assert prefecture.jurisdiction == "某吉州" and prefecture.issuer == "某吉州人民政府办公室"


def test_the_notice_names_its_issuer_before_the_web_pages_publisher():
    page = ("发布机构：某某区卫生健康局\n文号：某政办发〔2021〕3号\n"
            "某某市某某区人民政府办公室关于印发《某某区“十四五”卫生健康规划》的通知\n"
            "某某市某某区人民政府办公室\n2021年12月20日\n某某区“十四五”卫生健康规划\n一、总体要求\n正文。")
    assert plan_metadata("p", "p.txt", page).issuer == "某某市某某区人民政府办公室"
    posted = page.replace("某某市某某区人民政府办公室关于印发《某某区“十四五”卫生健康规划》的通知\n", "")
    assert plan_metadata("q", "q.txt", posted).issuer == "某某区卫生健康局"

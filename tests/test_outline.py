"""A plan's structure: the 目录 becomes an outline (never body headings or prose), headings nest by their
numbering style even when a level is skipped, goal bullets and enumerations stay prose, and "哪一章讲X"
is answered from the body heading, or from the 目录 line when the body lacks the section."""

from __future__ import annotations

import json

import pytest

from assistant.parse import SEP, heading_of, parse_blocks, parse_outline
from assistant.route import LOCATE_Q
from eval.runner import body

TITLE = "某某县“十四五”卫生健康规划"

PAGED = f"""{TITLE}

目　录

前　言…………………………………………1
第一章　发展基础………………………………2
第一节　主要成就………………………………2
第二章　重点任务………………………………5
一、强化疾病预防控制……………………………5
二、推进中医药传承发展…………………………7
附件：任务分工表…………………………………9
名词解释……………………………………………10

前　言

本规划依据全县发展纲要编制，规划期为2021—2025年。

第一章　发展基础

第一节　主要成就

全县新建卫生院3所。

第二章　重点任务

一、强化疾病预防控制

健全县疾控中心实验室，检测项目达到180项。
"""

UNPAGED = f"""{TITLE}
目录
第一章 发展基础
第二章 重点任务
第三章 保障措施
第一章 发展基础
全县新建卫生院3所。
"""


def sections(raw: str) -> list[str]:
    return [SEP.join(b.section) for b in parse_blocks(raw, TITLE)]


def texts(raw: str) -> str:
    return "\n".join(b.text for b in parse_blocks(raw, TITLE))


def test_a_paged_toc_becomes_the_outline_with_levels_and_paths():
    outline = parse_outline(PAGED, "p")
    assert [(e.level, SEP.join(e.path)) for e in outline] == [
        (0, "前言"), (1, "第一章发展基础"), (2, "第一章发展基础 › 第一节主要成就"), (1, "第二章重点任务"),
        (3, "第二章重点任务 › 一、强化疾病预防控制"), (3, "第二章重点任务 › 二、推进中医药传承发展"),
        (0, "附件：任务分工表"), (0, "名词解释")]
    line = next(e for e in outline if e.title.endswith("推进中医药传承发展"))
    assert PAGED[line.start:line.end] == "二、推进中医药传承发展"  # the 目录 line itself, without the leader


def test_the_toc_is_neither_headings_nor_prose():
    assert "……" not in texts(PAGED) and "目录" not in texts(PAGED) and "推进中医药" not in texts(PAGED)
    assert not any("推进中医药" in s for s in sections(PAGED))  # listed only in the 目录: no body section
    assert "第二章重点任务 › 一、强化疾病预防控制" in sections(PAGED)
    assert "前言" in sections(PAGED) and "第一章发展基础 › 第一节主要成就" in sections(PAGED)


def test_dot_leaders_without_a_toc_heading_stay_prose():
    raw = "第一章　发展基础\n\n主要指标\n人均预期寿命…………………………79\n每千人口床位数……………………6\n"
    assert parse_outline(raw) == []
    assert "人均预期寿命…………………………79" in texts(raw)


def test_an_unpaged_toc_ends_where_the_body_repeats_its_first_entry():
    assert [e.title for e in parse_outline(UNPAGED)] == ["第一章发展基础", "第二章重点任务", "第三章保障措施"]
    blocks = parse_blocks(UNPAGED, TITLE)
    assert [(b.section, b.text) for b in blocks] == [(("第一章发展基础",), "第一章发展基础\n全县新建卫生院3所。")]


def test_an_unnumbered_first_entry_repeated_ends_the_toc():
    raw = f"{TITLE}\n目录\n前言\n第一章 发展基础\n前言\n本规划依据纲要编制。\n第一章 发展基础\n正文。\n"
    assert [e.title for e in parse_outline(raw)] == ["前言", "第一章发展基础"]
    assert sections(raw) == ["前言", "第一章发展基础"]


def test_a_renumbered_first_heading_also_ends_the_toc():
    raw = UNPAGED.replace("第一章 发展基础\n全县", "第一章 规划背景\n全县")  # body words its heading differently
    assert [e.title for e in parse_outline(raw)][-1] == "第三章保障措施"
    assert sections(raw) == ["第一章规划背景"]


def test_a_paged_toc_ends_at_the_first_line_without_a_page_number():
    raw = f"{TITLE}\n目录\n第一章 发展基础……1\n第二章 重点任务……4\n一、总体思路\n坚持预防为主。\n"
    assert [e.title for e in parse_outline(raw)] == ["第一章发展基础", "第二章重点任务"]
    assert sections(raw) == ["一、总体思路"]  # the body's first heading, though the 目录 does not list it


@pytest.mark.parametrize("after, is_entry", [
    ("为加快建设健康某某县特制定本规划", False),  # a short prose line without a full stop: body
    ("健康素养水平……达到30%。", False),  # a leader inside a sentence: body
    ("附件：本规划的任务分工另行印发。", False),  # a sentence that opens with 附件: body
    ("第三章 保障措施", True),  # its twin: a heading alone on its line is still the 目录
])
def test_what_ends_a_toc(after, is_entry):
    raw = f"{TITLE}\n目录\n第一章 发展基础\n第二章 重点任务\n{after}\n第一章 发展基础\n正文。\n"
    titles = [e.title for e in parse_outline(raw)]
    assert (len(titles) == 3) == is_entry, titles
    assert (after.replace(" ", "") in texts(raw)) != is_entry


def test_a_plan_with_only_its_toc_has_an_outline_and_no_body():
    raw = f"{TITLE}\n\n目　录\n\n第一章　总体要求\t1\n第一节　指导思想\t1\n第二章　主要任务\t3\n"
    outline = parse_outline(raw)
    assert [SEP.join(e.path) for e in outline] == ["第一章总体要求", "第一章总体要求 › 第一节指导思想", "第二章主要任务"]
    assert parse_blocks(raw, TITLE) == []


def test_numbered_headings_nest_even_when_a_level_is_skipped():
    raw = ("第三章　公共卫生\n一、疾病预防\n1.健全网络。建设哨点医院。\n（1）完善监测。每日报告。\n"
           "第二节　应急处置\n（一）物资储备\n储备30天用量。\n")
    assert sections(raw) == ["第三章公共卫生 › 一、疾病预防 › 1.健全网络",
                             "第三章公共卫生 › 一、疾病预防 › 1.健全网络 › （1）完善监测",
                             "第三章公共卫生 › 第二节应急处置 › （一）物资储备"]


@pytest.mark.parametrize("line", [
    "——健康水平持续提升。人均预期寿命达到79岁。",
    "一是完善服务网络，二是加强人才培养。",
    "①镇卫生院全部达标；②村卫生室全覆盖。",
    "一、二级医院床位数达到1200张。",  # grades of hospitals, not heading 一、
])
def test_goal_bullets_enumerations_and_circled_items_are_prose(line):
    assert heading_of(line) is None
    raw = f"第二节　发展目标\n到2025年：\n{line}\n"
    assert [b.section for b in parse_blocks(raw, TITLE) if b.text == line] == [("第二节发展目标",)]


@pytest.mark.parametrize("line, level", [
    ("第四章 医疗服务", 1), ("第二节 基层网底", 2), ("一、加强二级医院建设", 3), ("（一）完善网络", 4),
    ("(二)强化监测", 4), ("1.健全体系", 5), ("（1）完善制度", 6), ("专栏2 重点项目", 5),
])
def test_numbered_headings_of_every_style(line, level):
    assert heading_of(line)[0] == level


def test_front_parts_close_and_annexes_hold_what_follows():
    raw = "前言\n本规划依据纲要编制。\n一、总体要求\n坚持预防为主。\n附件\n一、任务分工\n由县卫生健康局牵头。\n"
    assert sections(raw) == ["前言", "一、总体要求", "附件 › 一、任务分工"]
    twin = "一、总体要求\n附件：任务分工表\n由县卫生健康局牵头。\n"  # an annex named inside a sentence line
    assert sections(twin) == ["一、总体要求"]


def test_locate_words_are_not_the_topic():
    assert LOCATE_Q.sub(" ", "发展目标写在哪一节").strip() == "发展目标"
    assert LOCATE_Q.sub(" ", "应急物资储备放在哪里").strip() == "应急物资储备"


# -- answering over the real index (the 汇川区 fixture: a 目录 and a body that stops in 第四章) -------------

def test_locate_from_the_body_heading_when_the_body_has_it(assistant):
    a = assistant.ask("汇川区规划中建设区域医疗次中心属于哪一部分？")
    text = body(a.text)
    assert not a.abstained and a.kind == "locate", a.text
    assert "第四章提升医疗服务供给水平 › 第一节推动优质医疗资源扩容 › 一、建设区域医疗次中心" in text
    assert a.citations[0].section != "目录" and a.citations[0].quote.startswith("一、建设区域医疗次中心")
    assert "据规划目录" not in text
    twin = assistant.ask("汇川区规划中讲面临的机遇和挑战的是哪一节？")  # in both: the body heading, not its 目录 line
    assert "第一章发展基础与形势 › 第二节面临的机遇和挑战[1]" in body(twin.text), twin.text
    assert twin.citations[0].quote.startswith("第二节　面临的机遇和挑战\n\n成渝")


def test_locate_from_the_toc_when_only_the_toc_has_it(assistant):
    a = assistant.ask("汇川区规划中完善老年健康服务体系在哪一部分？")
    text = body(a.text)
    assert not a.abstained and a.kind == "locate", a.text
    assert "第六章促进“一老一小”健康服务 › 第一节完善老年健康服务体系（据规划目录）" in text
    assert a.citations[0].section == "目录" and a.citations[0].quote == "第一节　完善老年健康服务体系"


def test_a_body_chapter_with_a_section_only_in_the_toc(assistant):
    a = assistant.ask("汇川区规划中夯实基层医疗卫生网底是哪一节？")
    assert "第四章提升医疗服务供给水平 › 第二节夯实基层医疗卫生网底（据规划目录）" in body(a.text), a.text


def test_a_topic_in_neither_toc_nor_body_is_not_located(assistant):
    a = assistant.ask("汇川区规划哪一章讲智慧医院示范园区建设？")
    assert a.abstained and "据规划目录" not in a.text
    a = assistant.ask("汇川区规划里核酸检测能力写在哪一部分？")  # body prose, no heading: a 目录 line sharing 能力 is no answer
    assert "据规划目录" not in a.text and "提升突发事件应急处置能力" not in body(a.text).split("出处")[0], a.text


def test_plan_name_words_do_not_count_against_a_heading(assistant):
    a = assistant.ask("汇川区卫生健康规划里，发展目标写在哪一节？")
    assert a.kind == "locate" and "第二章总体要求 › 第二节发展目标" in body(a.text), a.text
    a = assistant.ask("汇川区卫生健康事业发展规划里保障措施在哪一章？")
    assert a.kind == "locate" and "第七章保障措施（据规划目录）" in body(a.text), a.text


def test_toc_lines_are_never_passages(assistant):
    toc = [e for e in assistant._outline["huichuan-toc-plan"]]
    assert len(toc) == 21
    for c in assistant._by_plan["huichuan-toc-plan"]:
        assert not any(e.start < c.end and c.start < e.end and "……" in c.text for e in toc)
    a = assistant.ask("汇川区规划对发展普惠托育服务有什么安排？")  # a non-locate question: no 目录 line cited
    assert all(x.section != "目录" for x in (*a.citations, *a.nearby))


def test_the_outline_is_a_plain_file_of_the_index(index_dir):
    from assistant.store import FORMAT_VERSION, IndexProblem, read_manifest

    rows = [json.loads(line) for line in (index_dir / "outline.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {"plan", "level", "title", "path", "start", "end"} <= set(rows[0])
    assert FORMAT_VERSION == read_manifest(index_dir).format_version == 4
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    old = index_dir.parent / "old"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({**manifest, "format_version": 2}), encoding="utf-8")
    with pytest.raises(IndexProblem, match="format version 2"):
        read_manifest(old)

"""Web UI: the pure rendering / reply / table functions, and the real app answering through its named API."""

from __future__ import annotations

import json
import re
import time
from types import SimpleNamespace

import pytest

from assistant.answer import Answer, Citation
from assistant.meta import Plan
from assistant.settings import MAX_UPLOAD_BYTES
from ui.defaults import GENERIC, example_questions, follow_up_hint, same_default
from ui.dialog import follow_up
from ui.feedback import record_feedback
from ui.handlers import REFRESH_COUNT, Handlers
from ui.render import (
    MARK_FAIL,
    MARK_OK,
    NEARBY_HEADING,
    OTHERS_HEADING,
    PASSAGE_HINT,
    Passage,
    context_html,
    display_numbers,
    highlight_quote,
    paragraph_bounds,
    passages_html,
    render_answer,
    render_sources,
    sources_data,
    table_html,
)
from ui.reply import (
    ABSTAIN_WARNING,
    MARGINS_MM,
    clean_text,
    draft_reply,
    draft_warning,
    reply_docx,
    reply_md,
    reply_sources,
    section_ref,
)
from ui.tables import (
    DUTY_HEADERS,
    NOT_LISTED,
    all_units,
    count_text,
    duties_for_unit,
    duty_passages,
    pick_row,
    plans_table,
    same_indicator,
    target_passages,
    targets_table,
    unit_matcher,
    units_for_task,
    write_csv,
)
from ui.targets import display_name, merge_targets
from ui.upload import check_upload

FUSHAN = "烟台市福山区“十四五”卫生与健康规划"
NURSES = "福山区到2025年每千人口注册护士数要达到多少？"
PLANS = [
    Plan(id="fushan", doc="fushan.txt", title=FUSHAN, jurisdiction="福山区", parent="烟台市"),
    Plan(id="jining", doc="jining.txt", title="济宁市“十四五”卫生与健康规划", jurisdiction="济宁市"),
    Plan(id="zd", doc="zd.txt", title="张店区“十四五”卫生与健康规划", jurisdiction="张店区"),
]


def _answer(text: str, quote: str, start: int = 100, highlights=(), abstained: bool = False,
            section: str = "三、主要任务 › （四）推进医疗资源提质扩容和区域均衡布局") -> Answer:
    c = Citation(1, "fushan.txt", "fushan", FUSHAN, section, quote, start, start + len(quote), "c1", tuple(highlights))
    if abstained:
        return Answer("福山区有几个火星基地？", "未在所选规划中找到相关内容。", True, (), (c,), ("fushan",))
    return Answer(NURSES, text, False, (c,), (), ("fushan",))


# -- rendering -------------------------------------------------------------------------------


def test_sources_escape_script_in_plan_text():
    evil = "加强急救体系建设<script>alert('x')</script>。"
    text = "前文。\n\n" + evil + "\n\n后文。"
    start = text.index(evil)
    answer = _answer(f"{evil}[1]", evil, start, [(start, start + len(evil))])
    html = render_sources(answer, {"fushan": text}, {"fushan": FUSHAN + "<b>"})
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html and "&lt;b&gt;" in html
    chat = render_answer(answer)
    assert "<script" not in chat and "&lt;script&gt;" in chat
    assert "<sup>[1]</sup>" in chat


def test_highlights_mark_answering_sentences_inside_the_quote():
    quote = "23. 加强急救体系建设。建立院前急救体系。（牵头部门：区卫生健康局）"
    a = 500 + quote.index("建立")
    b = 500 + quote.index("（")
    out = highlight_quote(quote, 500, [(a, b), (10_000, 10_010)])
    assert out == "23. 加强急救体系建设。<mark>建立院前急救体系。</mark>（牵头部门：区卫生健康局）"
    assert highlight_quote("**粗体**与<i>", 0, []) == "粗体与&lt;i&gt;"


def test_context_is_the_enclosing_paragraph_across_page_breaks_and_capped():
    text = "上一段。\n\n**23. 标题。**正文一句，（牵头部门：区卫生健康局；参与\n\n部门：区财政局）\n\n**24. 下一段。**"
    start = text.index("正文")
    lo, hi = paragraph_bounds(text, start, start + 4)
    assert text[lo:hi].startswith("**23.") and text[lo:hi].endswith("区财政局）")
    long = "甲" * 2000 + "目标句。" + "乙" * 2000
    s = long.index("目标句")
    lo, hi = paragraph_bounds(long, s, s + 4, limit=600)
    assert lo <= s and hi >= s + 4 and hi - lo <= 600
    html = context_html(text, start, start + 5, [(start, start + 5)])
    assert "<mark>正文一句，</mark>" in html and "上一段" not in html


TABLE_PLAN = ("前文。\n\n主要指标\n\n领域\t序号\t指标\t2025年\n健康服务\t1\t床位数\t7.5\n\t2\t护士数<i>\t4.05\n"
              "\t3\t医师数\t3.85\n\n后文。到2025年，护士数达到4.05人。其余一句。\n\n末段。")


def _cite(n: int, quote: str, highlight: str = "") -> Citation:
    start = TABLE_PLAN.index(quote)
    marks = ((TABLE_PLAN.index(highlight), TABLE_PLAN.index(highlight) + len(highlight)),) if highlight else ()
    return Citation(n, "f.txt", "fushan", FUSHAN, "二、目标 › 主要指标", quote, start, start + len(quote), f"c{n}", marks)


def test_table_source_renders_as_a_table_with_the_answering_row():
    row = "\t2\t护士数<i>\t4.05"
    c = _cite(1, "健康服务\t1\t床位数\t7.5\n\t2\t护士数<i>\t4.05", row.strip("\t"))
    answer = Answer("问？", "护士数 4.05[1]", False, (c,), (), ("fushan",), "target")
    out = render_sources(answer, {"fushan": TABLE_PLAN})
    shown, _, hidden = out.partition('<details class="full-table">')
    assert "<th>领域</th><th>序号</th><th>指标</th><th>2025年</th>" in shown
    assert '<tr class="hit"><td></td><td>2</td><td>护士数&lt;i&gt;</td><td>4.05</td></tr>' in shown
    assert "床位数" not in shown and "<i>" not in out  # other rows only behind 展开; plan text escaped
    assert "展开全表（3 行）" in hidden and "床位数" in hidden and "医师数" in hidden and hidden.count('class="hit"') == 1
    assert table_html(TABLE_PLAN, TABLE_PLAN.index("后文"), TABLE_PLAN.index("后文") + 2) == ""


def test_prose_source_shows_the_paragraph_with_the_sentence_marked():
    c = _cite(1, "到2025年，护士数达到4.05人。", "到2025年，护士数达到4.05人。")
    out = render_sources(Answer("问？", "到2025年，护士数达到4.05人。[1]", False, (c,), (), ("fushan",)),
                         {"fushan": TABLE_PLAN})
    assert "后文。" in out and "其余一句。" in out and "末段" not in out and "<table" not in out
    assert "<mark>到2025年，护士数达到4.05人。</mark>" in out


def test_only_cited_sources_are_numbered_without_gaps():
    a = _cite(1, "到2025年，护士数达到4.05人。")
    b = _cite(2, "其余一句。")
    c = _cite(3, "末段。")
    answer = Answer("问？", "句甲[3]\n句乙[1]\n出处：[3] 甲；[1] 乙", False, (a, b, c), (), ("fushan",))
    assert display_numbers(answer) == {3: 1, 1: 2}
    out = render_sources(answer, {"fushan": TABLE_PLAN})
    cited, _, others = out.partition(OTHERS_HEADING)
    assert cited.index("[1] ") < cited.index("末段") < cited.index("[2] ") < cited.index("到2025年")
    assert "[3]" not in out and "其余一句" in others and "[" not in others.split("</summary>", 1)[1]
    chat = render_answer(answer)
    assert chat.startswith("句甲<sup>[1]</sup>\n句乙<sup>[2]</sup>") and "[3]" not in chat


def test_abstained_sources_are_labelled_not_an_answer():
    answer = _answer("", "相关段落。", abstained=True)
    html = render_sources(answer, {})
    assert NEARBY_HEADING in html and "不能作为答复依据" in html
    assert "仅供参考" in render_answer(answer)
    assert sources_data(answer)[0]["nearby"] is True


# -- follow-ups ------------------------------------------------------------------------------


def test_follow_up_substitutes_the_place():
    assert follow_up(NURSES, "那济宁市呢？", PLANS) == "济宁市到2025年每千人口注册护士数要达到多少？"
    assert follow_up(NURSES, "张店呢", PLANS) == "张店区到2025年每千人口注册护士数要达到多少？"
    assert follow_up("烟台市福山区护士数？", "济宁呢？", PLANS) == "济宁市护士数？"
    assert follow_up("每千人口护士数？", "那济宁市呢？", PLANS) == "济宁市每千人口护士数？"
    assert follow_up("What is Fushan's nurse target?", "what about Jining?", PLANS) == "What is Jining's nurse target?"


def test_follow_up_leaves_full_questions_alone():
    q = "济宁市每万人口全科医生数目标是多少？"
    assert follow_up(NURSES, q, PLANS) == q
    assert follow_up(NURSES, "济宁市床位数是多少？", PLANS) == "济宁市床位数是多少？"  # own ask and topic
    assert follow_up(NURSES, "张店区的地铁线路规划是什么？", PLANS) == "张店区的地铁线路规划是什么？"
    assert follow_up(NURSES, "谢谢", PLANS) == "谢谢"  # no place, ask or follow-up mark
    assert follow_up("", "那济宁市呢？", PLANS) == "那济宁市呢？"


def test_follow_up_keeps_the_new_topic():
    assert follow_up(NURSES, "那济宁市的床位呢？", PLANS) == "济宁市到2025年床位要达到多少？"
    assert "护士" not in follow_up(NURSES, "那济宁市的床位呢？", PLANS)
    assert follow_up(NURSES, "床位数呢？", PLANS) == "福山区到2025年床位数要达到多少？"
    assert follow_up("张店区有多少家社区卫生服务中心？", "那济宁的乡镇卫生院呢", PLANS) == "济宁市乡镇卫生院有多少家？"
    assert follow_up(NURSES, "那济宁市呢？", PLANS) == "济宁市到2025年每千人口注册护士数要达到多少？"


def test_follow_up_ask_only_takes_the_previous_topic():
    duty = "福山区在急救体系方面谁牵头？"
    assert follow_up("福山区的急救体系建设有哪些任务？", "谁牵头？", PLANS) == "福山区急救体系建设任务谁牵头？"
    assert follow_up(duty, "参与部门有哪些？", PLANS) == "福山区急救体系方面参与部门有哪些？"
    assert follow_up("张店区家庭医生签约服务怎么推进？", "谁负责", PLANS) == "张店区家庭医生签约服务推进谁负责？"
    assert follow_up(duty, "那济宁市呢？", PLANS) == "济宁市在急救体系方面谁牵头？"
    assert follow_up(duty, "张店区谁牵头？", PLANS) == "张店区谁牵头？"  # place and ask: a question of its own


# -- reply drafts ----------------------------------------------------------------------------


def test_draft_reply_quotes_with_title_and_section():
    sentence = "在臧家庄卫生院新设一所医疗急救站点。"
    answer = _answer(f"据《{FUSHAN}》：\n{sentence}[1]\n出处：[1] {FUSHAN} › 三、主要任务", "23. 加强急救体系建设。" + sentence)
    draft = draft_reply(answer)
    assert (f"根据《{FUSHAN}》“三、主要任务”之“（四）推进医疗资源提质扩容和区域均衡布局”部分：“{sentence}”") in draft
    assert "出处" not in draft and "[1]" not in draft
    assert section_ref("") == ""
    nested = draft_reply(_answer("推进“健康福山”建设[1]", "推进“健康福山”建设"))
    assert "“推进‘健康福山’建设”。" in nested


def quoted_spans(draft: str) -> list[str]:
    """Top-level “…” spans of a draft after its '根据《…》…部分：' lead-in, nested ‘’ read back as “”."""
    spans = []
    for line in draft.splitlines():
        _, _, said = line.partition("部分：")
        spans += [m.replace("‘", "“").replace("’", "”") for m in re.findall(r"“((?:[^“”]|‘[^’]*’)*)”", said)]
    return spans


DUTY_PLAN = ("前文。\n\n23. 加强急救体系建设。**建立院前急救体系。在某镇卫生院新设一所急救站点。加强急救人员培训。"
             "（牵头部门：区卫生健康局；参与\n\n部门：区财政局）\n\n24. 下一段。")


def _duty_answer() -> Answer:
    start = DUTY_PLAN.index("23.")
    end = DUTY_PLAN.index("\n\n24.")
    note = DUTY_PLAN.index("（牵头")
    train = DUTY_PLAN.index("加强急救人员")
    c = Citation(1, "f.txt", "fushan", FUSHAN, "三、主要任务 › 23. 加强急救体系建设", DUTY_PLAN[start:end], start, end,
                 "c1", ((note, end), (train, note)))
    text = (f"据《{FUSHAN}》：\n《{FUSHAN}》“23. 加强急救体系建设”——牵头：区卫生健康局；参与：区财政局。[1]\n"
            "加强急救人员培训。[1]")
    return Answer("福山区急救体系建设谁牵头？", text, False, (c,), (), ("fushan",), "duty")


def test_draft_quotes_only_exact_plan_text_each_piece_separately():
    draft = draft_reply(_duty_answer())
    spans = quoted_spans(draft)
    plan = clean_text(DUTY_PLAN)
    assert spans == ["加强急救人员培训。", "牵头部门：区卫生健康局；参与部门：区财政局"]
    assert all(s in plan for s in spans)
    assert "——牵头：" not in draft  # the composed summary is never presented as a quotation
    two = "建立院前急救体系。"
    far = "加强急救人员培训。"
    s1, s2 = DUTY_PLAN.index(two), DUTY_PLAN.index(far)
    c = Citation(1, "f.txt", "fushan", FUSHAN, "三、主要任务", DUTY_PLAN, 0, len(DUTY_PLAN), "c1",
                 ((s1, s1 + len(two)), (s2, s2 + len(far))))
    apart = draft_reply(Answer("问？", f"{two}[1]\n{far}[1]", False, (c,), (), ("fushan",)))
    assert quoted_spans(apart) == [two, far]  # not adjacent in the plan: two quotations
    adjacent = "在某镇卫生院新设一所急救站点。"
    joined = draft_reply(Answer("问？", f"{two}[1]\n{adjacent}[1]", False, (c,), (), ("fushan",)))
    assert quoted_spans(joined) == [two + adjacent]


def test_table_row_answer_is_stated_not_quoted():
    row = "13\t每千人口注册护士数\t人\t2.57\t4.05"
    answer = _answer("每千人口注册护士数：2025年目标 4.05人[1]", row, 10, [(10, 10 + len(row))])
    draft = draft_reply(answer)
    assert quoted_spans(draft) == [] and "4.05人" in draft


def test_draft_reply_when_abstaining_says_not_found_and_warns():
    answer = _answer("", "无关段落。", abstained=True)
    draft = draft_reply(answer, PLANS)
    assert f"经查阅《{FUSHAN}》，未找到关于“福山区有几个火星基地”的具体表述。" in draft
    assert "无关段落" not in draft and "根据" not in draft
    assert draft_warning(answer) == ABSTAIN_WARNING and "最接近的段落" in ABSTAIN_WARNING
    assert draft_warning(_duty_answer()) == "" and reply_sources(answer) == []


def test_reply_docx_is_an_official_document_with_plan_quotes(tmp_path):
    import datetime as dt

    from docx import Document
    from docx.oxml.ns import qn

    answer = _duty_answer()
    draft = draft_reply(answer)
    sources = reply_sources(answer)
    assert sources == [f"《{FUSHAN}》“三、主要任务”之“23. 加强急救体系建设”"]
    doc = Document(str(reply_docx(draft, tmp_path / "r" / "reply.docx", sources, dt.date(2026, 3, 5))))
    sec = doc.sections[0]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    margins = {k: round(getattr(sec, f"{k}_margin").mm) for k in MARGINS_MM}
    assert margins == {"top": 37, "bottom": 35, "left": 28, "right": 26}
    paras = [(p.style.name, p.text) for p in doc.paragraphs]
    assert paras[0] == ("公文标题", "答复口径")
    assert ("公文正文", "2026年3月5日") in paras and ("公文小标题", "出处") in paras
    assert ("公文正文", f"1. {sources[0]}") in paras
    faces = {n: doc.styles[n].element.rPr.rFonts.get(qn("w:eastAsia")) for n in ("公文标题", "公文小标题", "公文正文")}
    assert faces == {"公文标题": "方正小标宋简体", "公文小标题": "黑体", "公文正文": "仿宋_GB2312"}
    fonts = doc.part.part_related_by("http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable")
    assert '"仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts.blob.decode("utf-8")
    body = "\n".join(p.text for p in doc.paragraphs if p.style.name == "公文正文")
    spans = quoted_spans(body)
    assert spans and all(s in clean_text(DUTY_PLAN) for s in spans)
    md = reply_md(draft, tmp_path / "reply.md", sources).read_text(encoding="utf-8")
    assert md.startswith("# 答复口径") and "## 出处" in md and "加强急救人员培训" in md


def _fake_assistant(answers: dict[str, Answer]):
    return SimpleNamespace(plans=PLANS, texts={"fushan": DUTY_PLAN}, ask=lambda q, plans=None: answers[q])


def test_new_question_clears_the_previous_draft(tmp_path):
    first, second = _duty_answer(), _answer("", "段落。", abstained=True)
    h = Handlers(_fake_assistant({first.question: first, second.question: second}), tmp_path / "fb.jsonl")
    out = h.ask(first.question, [], None)
    state = out[3]
    text, note, docx, md = h.draft(state)
    assert "加强急救人员培训" in text and note == "" and docx.interactive and docx.value
    out = h.ask(second.question, [], state)
    reply, note, docx, md = out[4:8]
    assert reply == "" and note == "" and docx.value is None and not docx.interactive and md.value is None
    assert out[3]["answer"] is second
    text, note, _, _ = h.draft(out[3])
    assert "未找到" in text and note == ABSTAIN_WARNING


def _said(question: str, text: str) -> Answer:
    return Answer(question, text, False, (), (), ("fushan",))


def test_undo_rewrite_answers_the_users_own_words_in_place_of_the_rewritten_turn(tmp_path):
    said = "那济宁市呢？"
    rewritten = follow_up(NURSES, said, PLANS)
    answers = {q: _said(q, t) for q, t in ((NURSES, "福山区4.05人。"), (rewritten, "济宁市4.25人。"),
                                           (said, "未在所选规划中找到相关内容。"), ("济宁市床位数是多少？", "6.5张。"))}
    asked: list[str] = []
    fake = SimpleNamespace(plans=PLANS, texts={}, ask=lambda q, plans=None: asked.append(q) or answers[q])
    h = Handlers(fake, tmp_path / "fb.jsonl")
    state = h.ask(NURSES, [], None)[3]
    assert state["original"] is None
    out = h.ask(said, ["jining"], state)
    state, undo = out[3], out[-1]
    assert undo.visible and state["original"] == said and state["question"] == rewritten
    assert "按上一问理解为" in state["messages"][-2]["content"] and "4.25" in state["messages"][-1]["content"]
    text, _, docx, _ = h.draft(state)
    assert text and docx.interactive  # a draft of the rewritten answer, to be dropped by the undo

    messages, sources, state, reply, note, docx, md, undo = h.undo_rewrite(state, ["jining"])
    assert asked == [NURSES, rewritten, said]  # the user's own words, not rewritten again
    assert len(messages) == 4 and messages[:2] == out[1][:2]  # the earlier turn stays, the undone one is replaced
    assert messages[-2]["content"] == said and "按上一问理解为" not in messages[-2]["content"]
    assert "未在所选规划中找到" in messages[-1]["content"] and "4.25" not in str(messages[2:])
    assert state["answer"] is answers[said] and state["question"] == said and state["original"] is None
    assert reply == "" and docx.value is None and not docx.interactive and md.value is None
    assert not undo.visible
    again = h.undo_rewrite(state, ["jining"])  # a second click has nothing left to undo
    assert again[0] == messages and asked == [NURSES, rewritten, said] and not again[-1].visible


def test_a_turn_that_was_not_rewritten_offers_no_undo(tmp_path):
    questions = (NURSES, follow_up(NURSES, "那济宁市呢？", PLANS), "济宁市床位数是多少？")
    answers = {q: _said(q, "4.05人。") for q in questions}
    h = Handlers(SimpleNamespace(plans=PLANS, texts={}, ask=lambda q, plans=None: answers[q]), tmp_path / "f.jsonl")
    first = h.ask(NURSES, [], None)
    assert not first[-1].visible and first[3]["original"] is None
    rewritten = h.ask("那济宁市呢？", [], first[3])
    assert rewritten[-1].visible
    out = h.ask("济宁市床位数是多少？", [], rewritten[3])  # a complete question: asked as written
    assert not out[-1].visible and out[3]["original"] is None
    messages = h.undo_rewrite(out[3], [])[0]
    assert messages == out[1]
    assert not h.clear()[-1].visible


# -- feedback, upload ------------------------------------------------------------------------


def test_feedback_line_written(tmp_path):
    answer = _answer("到2025年达到4.05人。[1]", "到2025年达到4.05人。", 4057)
    path = tmp_path / "fb" / "feedback.jsonl"
    record_feedback(path, "down", " 数字不对 ", answer)
    record_feedback(path, "up", "", answer)
    raw = path.read_text(encoding="utf-8")
    assert "数字不对" in raw  # ensure_ascii=False: readable Chinese
    lines = [json.loads(x) for x in raw.splitlines()]
    assert [x["rating"] for x in lines] == ["down", "up"]
    assert lines[0]["comment"] == "数字不对" and lines[0]["question"] == NURSES
    assert lines[0]["citations"] == [{"n": 1, "doc": "fushan.txt", "section": answer.citations[0].section,
                                      "start": 4057, "end": 4057 + len(answer.citations[0].quote)}]


def test_upload_checks_type_content_and_size(tmp_path):
    ok = tmp_path / "plan.txt"
    ok.write_text("某区“十四五”卫生健康规划\n正文。", encoding="gb18030")
    assert check_upload(ok) is None
    fake = tmp_path / "plan.pdf"
    fake.write_text("not a pdf")
    assert "不是 PDF" in check_upload(fake)
    exe = tmp_path / "plan.exe"
    exe.write_bytes(b"MZ")
    assert "不支持" in check_upload(exe)
    docx = tmp_path / "plan.docx"
    reply_docx("正文", docx)
    assert check_upload(docx) is None
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_UPLOAD_BYTES + 1)
    assert "过大" in check_upload(big)


# -- tables (stand-in records; the real ones are checked below) ------------------------------


def _target(plan, indicator, value, baseline="", unit="人", start=0):
    return SimpleNamespace(plan=plan, indicator=indicator, value=value, unit=unit, baseline=baseline,
                           baseline_year="2020", target_year="2025", nature="预期性", domain="健康服务", start=start)


def _duty(plan, task, lead=(), participants=(), responsible=(), start=0):
    return SimpleNamespace(plan=plan, task=task, section=("三、主要任务",), lead=lead, participants=participants,
                           responsible=responsible, start=start, end=start + 10)


def test_target_tables_filter_and_compare(tmp_path):
    targets = [_target("jining", "每千人口注册护士数", "4.25", "3.6"), _target("fushan", "每千人口注册护士数", "4.05", "2.57"),
               _target("fushan", "每千人口执业（助理）医师数", "3.85", start=5)]
    rows = targets_table(targets, PLANS)
    assert rows[0][:3] == [FUSHAN, "健康服务", "每千人口注册护士数"] and rows[0][5] == "4.05（2025年）"
    assert len(targets_table(targets, PLANS, plan="fushan", query="医师")) == 1
    same = same_indicator(targets, PLANS, "注册护士数")
    assert [r[0] for r in same] == [p.title for p in PLANS]
    assert same[0][4].startswith("4.05") and same[1][4].startswith("4.25") and same[2][1] == NOT_LISTED
    path = write_csv(["a", "指标"], [[1, "护士"]], tmp_path / "t.csv")
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["a,指标", "1,护士"]


def test_duty_tables_by_unit_and_task():
    duties = [_duty("fushan", "加强急救体系建设", ("区卫生健康局",), ("区财政局", "区科技局")),
              _duty("zd", "推进医疗联合体建设", responsible=("区卫生健康局", "区医保局")),
              _duty("fushan", "扩充卫生人力资源总量", ("区委编办",), ("区财政局",), start=9)]
    assert all_units(duties)[:2] == ["区卫生健康局", "区财政局"]
    rows = duties_for_unit(duties, PLANS, "区财政局")
    assert [(r[1], r[2]) for r in rows] == [("加强急救体系建设", "参与"), ("扩充卫生人力资源总量", "参与")]
    assert duties_for_unit(duties, PLANS, "卫生健康局")[1][2] == "责任"
    assert units_for_task(duties[0]) == [["牵头", "区卫生健康局"], ["参与", "区财政局"], ["参与", "区科技局"]]


def _rec(plan, indicator, value, source="table", start=0, year="2025年", past=False, **kw):
    base = {"unit": "", "baseline": "", "baseline_year": "", "nature": "", "domain": "",
            "section": ("二、发展目标",) if source == "prose" else ("二、发展目标", "主要指标")}
    return SimpleNamespace(**{**base, **kw, "plan": plan, "indicator": indicator, "value": value, "source": source,
                              "start": start, "end": start + 8, "target_year": year, "past": past})


LINHE = Plan(id="linhe", doc="linhe.txt", title="临河县“十四五”卫生健康规划", jurisdiction="临河县", parent="河东市")
GUANSHAN = Plan(id="guanshan", doc="guanshan.txt", title="关山市卫生健康发展规划", jurisdiction="关山市")


def test_same_indicator_from_table_and_prose_is_one_row_with_both_sources():
    table = _rec("linhe", "每千人口注册护士数", "3.9", unit="人", baseline="2.8", baseline_year="2020年",
                 nature="预期性", domain="健康服务", start=50)
    prose = _rec("linhe", "全县每千人口注册护士数", "3.9人", source="prose", start=10, year="")
    rows = merge_targets([table, prose], [LINHE])
    assert len(rows) == 1 and rows[0].records == [prose, table]
    cells = targets_table([table, prose], [LINHE])[0]
    assert cells[2:7] == ["每千人口注册护士数", "人", "2.8（2020年）", "3.9（2025年）", "预期性"]  # the table's cells
    assert "正文：二、发展目标" in cells[7] and "指标表：二、发展目标 › 主要指标" in cells[7]
    labels = [p.label for p in target_passages(rows[0], [LINHE])]
    assert labels == ["正文：二、发展目标", "指标表：二、发展目标 › 主要指标"]


def test_merging_keeps_different_indicators_plans_figures_and_review_targets_apart():
    records = [_rec("linhe", "每千人口注册护士数", "3.9"), _rec("linhe", "每千人口执业（助理）医师数", "3.9", start=1),
               _rec("guanshan", "每千人口注册护士数", "3.9", start=2),
               _rec("linhe", "每千人口注册护士数", "4.2", source="prose", start=3),  # another figure: not a duplicate
               _rec("linhe", "每千人口注册护士数", "3.9", start=4, year="2020年", past=True),  # an earlier plan's target
               _rec("linhe", "每千人口注册护士数", "3.9", source="prose", start=5, year="2030年")]  # another year
    rows = merge_targets(records, [LINHE, GUANSHAN])
    assert len(rows) == len(records)
    assert [len(targets_table(records, [LINHE, GUANSHAN], plan=p)) for p in ("linhe", "guanshan")] == [5, 1]


def test_place_prefix_is_stripped_only_for_the_plans_own_jurisdiction():
    assert display_name("临河县每千人口注册护士数", LINHE) == "每千人口注册护士数"
    assert display_name("河东市临河县每千人口注册护士数", LINHE) == "每千人口注册护士数"
    assert display_name("临河每千人口注册护士数", LINHE) == "每千人口注册护士数"
    assert display_name("全县孕产妇死亡率", LINHE) == "孕产妇死亡率"
    assert display_name("全市孕产妇死亡率", GUANSHAN) == "孕产妇死亡率"
    # negative: the parent alone, another plan's place, another level's 全X, a facility's name, no jurisdiction
    assert display_name("河东市每千人口注册护士数", LINHE) == "河东市每千人口注册护士数"
    assert display_name("关山市每千人口注册护士数", LINHE) == "关山市每千人口注册护士数"
    assert display_name("全市孕产妇死亡率", LINHE) == "全市孕产妇死亡率"
    assert display_name("临河县人民医院、临河县妇幼保健院中医科设置比例", LINHE).startswith("临河县人民医院")
    assert display_name("临河县中医院床位数", LINHE) == "临河县中医院床位数"
    assert display_name("临河县每千人口注册护士数", Plan(id="x", doc="x.txt", title="某规划")) == "临河县每千人口注册护士数"


def test_cross_plan_view_lines_up_names_without_the_place():
    records = [_rec("linhe", "临河县每千人口注册护士数", "3.9"), _rec("guanshan", "关山市每千人口注册护士数", "4.4")]
    same = same_indicator(records, [LINHE, GUANSHAN], "每千人口注册护士数")
    assert [(r[1], r[4]) for r in same] == [("每千人口注册护士数", "3.9（2025年）"), ("每千人口注册护士数", "4.4（2025年）")]
    assert same_default([LINHE, GUANSHAN], records) == "每千人口注册护士数"
    # negative: a place that is not the plan's own stays, so the view does not line it up as the plan's figure
    other = [_rec("linhe", "关山市每千人口注册护士数", "4.4")]
    assert same_indicator(other, [LINHE], "每千人口注册护士数")[0][1] == "关山市每千人口注册护士数"


def test_duty_table_has_separate_lead_participant_and_responsible_columns():
    duties = [_duty("fushan", "加强急救体系建设", ("区卫生健康局",), ("区财政局", "区科技局")),
              _duty("zd", "推进医疗联合体建设", responsible=("区卫生健康局", "区医保局"))]
    rows = duties_for_unit(duties, PLANS, "区卫生健康局")
    assert DUTY_HEADERS[3:6] == ["牵头单位", "参与单位", "责任单位"]
    assert rows[0][3:6] == ["区卫生健康局", "区财政局、区科技局", ""]
    assert rows[1][3:6] == ["", "", "区卫生健康局、区医保局"]  # a 责任单位 is not shown as a lead
    assert [p.label for p in duty_passages(duties[0], PLANS)] == ["三、主要任务"]


def test_row_count_and_row_picking():
    assert count_text(0) == "共 0 条" and count_text(12) == "共 12 条"
    rows = [["a", "1"], ["b", "2"], ["c", "3"]]
    assert pick_row(rows, [0, 1], ["c", "3"]) == 2  # the selected row's cells win over its (sorted) index
    assert pick_row(rows, [1, 0], None) == 1
    assert pick_row(rows, [5, 0], None) is None and pick_row([], [0, 0], ["x"]) is None


def test_passages_render_a_table_row_as_its_table_and_prose_in_its_paragraph():
    text = "前言。\n\n到2025年，全县每千人口注册护士数达到3.9人<b>。\n\n主要指标\t单位\t2025年\n注册护士数\t人\t3.9\n床位数\t张\t6\n"
    row = text.index("注册护士数\t")
    sentence = text.index("到2025年")
    html = passages_html([Passage("linhe", "临河县规划", "指标表：主要指标", row, row + 12),
                          Passage("linhe", "临河县规划", "正文：二、发展目标", sentence, text.index("。", sentence) + 1)],
                         {"linhe": text})
    assert '<tr class="hit"><td>注册护士数</td><td>人</td><td>3.9</td></tr>' in html
    assert "<mark>到2025年，全县每千人口注册护士数达到3.9人&lt;b&gt;。</mark>" in html and "<b>" not in html
    assert "前言" not in html and "床位数</td><td>张" in html  # the paragraph only; the full table behind 展开
    assert PASSAGE_HINT in passages_html([], {})


SEED_NAMES = ("福山", "济宁", "张店", "淄博", "烟台", "乐山")


def test_example_questions_come_from_the_loaded_plans_only():
    from assistant.places import find_places

    plans = [Plan(id="qc", doc="qc.txt", title="青川县“十四五”卫生健康规划", jurisdiction="青川县", parent="广元市"),
             Plan(id="yd", doc="yd.txt", title="英德市卫生健康事业发展规划", jurisdiction="英德市")]
    targets = [_rec("qc", "青川县每千人口注册护士数", "3.2", start=5), _rec("yd", "每千人口注册护士数", "3.6"),
               _rec("yd", "人均预期寿命", "79", start=9)]
    duties = [SimpleNamespace(plan="yd", task="3. 完善院前急救网络", section=("三、主要任务", "（二）健全急救体系"),
                              lead=("市卫生健康局",), participants=("市财政局",), responsible=(), start=40, end=60)]
    qs = example_questions(plans, targets, duties)
    assert qs == example_questions(plans, targets, duties)  # deterministic
    assert qs[0] == "青川县到2025年每千人口注册护士数要达到多少？"
    assert "英德市规划中完善院前急救网络由哪个部门牵头？" in qs
    assert "英德市规划里主要指标写在哪一节？" in qs  # the first heading of the other plan
    assert "青川县和英德市的每千人口注册护士数目标分别是多少？" in qs
    named = {p.name for q in qs for p in find_places(q)}
    assert named and named <= {p.name for p in find_places("、".join(p.jurisdiction for p in plans))}
    assert not any(seed in q for q in qs for seed in SEED_NAMES)
    # one place: no compare question; nothing loaded: generic questions that name no place
    assert not any("和" in q and "分别" in q for q in example_questions(plans[:1], targets, []))
    assert example_questions([], [], []) == GENERIC and not any(find_places(q) for q in GENERIC)
    assert follow_up_hint(plans) == "“那英德市呢？”" and "市" not in follow_up_hint(plans[:1])


def test_remove_plan_asks_for_confirmation_then_removes_the_confirmed_plan(tmp_path):
    removed = []

    def remover(a, plan_id):
        removed.append(plan_id)
        return _stub_assistant(plans=[p for p in a.plans if p.id != plan_id])

    two = _stub_assistant(plans=[PLANS[0], PLANS[1]], chunks=[SimpleNamespace(plan="fushan")])
    h = Handlers(two, tmp_path / "fb.jsonl", remover=remover)
    assert h.ask_remove(None)[0] is None and removed == []
    pending, confirm, cancel, _ = h.ask_remove("jining")
    assert pending == "jining" and confirm.value == f"确认删除《{PLANS[1].title}》" and confirm.visible and cancel.visible
    assert h.cancel_remove()[0] is None and not h.cancel_remove()[1].visible and removed == []
    out = h.remove_plan(pending)
    assert removed == ["jining"] and out[3].startswith(f"{MARK_OK} 已删除") and len(out) == 4 + REFRESH_COUNT
    assert list(out[4]["标题"]) == [FUSHAN] and out[5] == "共 1 条"
    assert h.remove_plan("jining")[3].startswith("没有待删除") and removed == ["jining"]  # nothing twice


def test_ui_code_names_no_seed_place():
    from pathlib import Path

    import ui

    for path in sorted(Path(ui.__file__).parent.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not [seed for seed in SEED_NAMES if seed in text], path.name


# -- with the real index ---------------------------------------------------------------------


@pytest.mark.slow
def test_plans_table_counts_chunks(assistant):
    rows = plans_table(assistant.plans, assistant.chunks)
    assert len(rows) == len(assistant.plans) == 12
    assert sum(r[8] for r in rows) == len(assistant.chunks) and all(r[8] > 0 for r in rows)


@pytest.mark.slow
def test_real_answer_renders_and_drafts(assistant):
    answer = assistant.ask(NURSES)
    html = render_sources(answer, assistant.texts)
    assert "主要发展指标" in html and "<mark>" in html and "4.05" in html
    answer = assistant.ask("福山区在急救体系方面谁牵头？")
    draft = draft_reply(answer, assistant.plans)
    assert f"根据《{FUSHAN}》“三、主要任务”之“（四）推进医疗资源提质扩容和区域均衡布局”" in draft
    assert "区卫生健康局" in draft


@pytest.mark.slow
def test_real_targets_in_tables(assistant):
    rows = targets_table(assistant.targets, assistant.plans)
    assert rows, "the four plans have indicator tables"
    same = same_indicator(assistant.targets, assistant.plans, "每千人口注册护士数")
    fushan = next(r for r in same if r[0] == FUSHAN)
    assert fushan[4].startswith("4.05")


@pytest.mark.slow
def test_real_duties_in_tables(assistant):
    units = all_units(assistant.duties)
    assert units
    rows = duties_for_unit(assistant.duties, assistant.plans, "卫健局", unit_matcher())
    assert any(r[0] == FUSHAN and "急救" in r[1] and "牵头" in r[2] for r in rows)


@pytest.mark.slow
def test_upload_adds_a_plan_without_restart_and_refuses_bad_files(index_dir, tmp_path):
    """Through the 规划库 handler: a new plan becomes searchable; a fake .docx changes nothing."""
    import shutil

    from assistant import Assistant
    from ui.handlers import Handlers

    copy = tmp_path / "idx"
    shutil.copytree(index_dir, copy)
    handlers = Handlers(Assistant.load(copy), tmp_path / "fb.jsonl")
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"not a zip")
    before = sorted((p.name, p.stat().st_size) for p in copy.rglob("*") if p.is_file())
    assert handlers.add_plan(str(fake), progress=lambda *a, **k: None)[0].startswith(MARK_FAIL)
    assert sorted((p.name, p.stat().st_size) for p in copy.rglob("*") if p.is_file()) == before
    count = len(handlers.assistant.plans)
    plan = tmp_path / "linhe.txt"
    plan.write_text("临河县“十四五”卫生健康规划\n一、主要任务\n到2025年，全县每千人口注册护士数达到3.6人。\n", encoding="utf-8")
    message = handlers.add_plan(str(plan), progress=lambda *a, **k: None)[0]
    assert message.startswith(MARK_OK) and f"{count + 1} 份规划" in message
    assert "3.6" in handlers.assistant.ask("临河县每千人口注册护士数目标是多少？").text


# -- the running app -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_url(served):
    return served[0]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated)")
def test_api_ask_answers_with_citations_fast(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    t = time.perf_counter()
    text, sources = client.predict(NURSES, api_name="/ask")
    first = time.perf_counter() - t
    t = time.perf_counter()
    client.predict("济宁市每万人口全科医生数目标是多少？", [], api_name="/ask")
    second = time.perf_counter() - t
    t = time.perf_counter()
    again, _ = client.predict(NURSES, api_name="/ask")
    repeat = time.perf_counter() - t
    print(f"\n/ask latency: first {first * 1000:.0f} ms, new question {second * 1000:.0f} ms, "
          f"repeated {repeat * 1000:.0f} ms")
    assert "4.05" in text and again == text
    cited = [s for s in sources if s["cited"]]
    assert cited and cited[0]["title"] == FUSHAN and "主要发展指标" in cited[0]["section"]
    assert any("4.05" in sent for s in cited for sent in s["sentences"])
    assert repeat < 1.0, "the UI/API layer adds well under a second to an answer"
    with pytest.raises(Exception, match="问题为空|empty"):
        client.predict("", api_name="/ask")


def _stub_assistant(**extra):
    plan = Plan(id="fushan", doc="fushan.txt", title=FUSHAN, jurisdiction="福山区")
    base = {"plans": [plan], "chunks": [SimpleNamespace(plan="fushan")] * 3, "texts": {"fushan": "正文。"}}
    return SimpleNamespace(**{**base, **extra})


def test_online_add_swaps_in_the_returned_assistant(tmp_path):
    from ui.handlers import Handlers

    new_plan = Plan(id="new", doc="new.txt", title="某区“十四五”卫生健康规划", jurisdiction="某区")
    added = []

    def add_plan(path):
        added.append(path)
        return _stub_assistant(plans=[*old.plans, new_plan], add_plan=add_plan, ask=None)

    old = _stub_assistant(add_plan=add_plan)
    handlers = Handlers(old, tmp_path / "fb.jsonl")
    bad = tmp_path / "new.exe"
    bad.write_bytes(b"MZ")
    assert "不支持" in handlers.add_plan(str(bad), progress=lambda *a, **k: None)[0]
    good = tmp_path / "new.txt"
    good.write_text("某区“十四五”卫生健康规划\n正文。", encoding="utf-8")
    out = handlers.add_plan(str(good), progress=lambda *a, **k: None)
    assert out[0].startswith(MARK_OK) and added == [str(good)]
    assert [p.id for p in handlers.plans] == ["fushan", "new"] and len(out[1]) == 2


def test_launch_binds_localhost_without_share(monkeypatch):
    import gradio as gr

    import ui.app

    seen = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: seen.update(kw))
    stub = _stub_assistant(ask=lambda q, plans=None: _answer("答[1]", "答"))
    ui.app.launch(stub, port=7999)
    assert seen["server_name"] == "127.0.0.1" and seen["server_port"] == 7999
    assert seen["share"] is False and seen["auth"] is None and seen["max_file_size"] == MAX_UPLOAD_BYTES
    ui.app.launch(stub, host="0.0.0.0", port=7999, auth=("user", "secret"))
    assert seen["server_name"] == "0.0.0.0" and seen["auth"]("user", "secret") is True
    assert seen["auth"]("user", "wrong") is False  # a throttled check (ui.limits.LoginThrottle)


@pytest.mark.slow
def test_real_examples_are_answered_and_name_only_loaded_places(assistant):
    from assistant.places import find_places
    from ui.app import examples_of

    examples = examples_of(assistant)
    loaded = {p.name for p in find_places("、".join(p.jurisdiction for p in assistant.plans))}
    assert len(examples) == 4
    for q in examples:
        named = {p.name for p in find_places(q)}
        assert named and named <= loaded, q
        assert not assistant.ask(q).abstained, q

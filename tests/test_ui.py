"""Web UI: the pure rendering / reply / table functions, and the real app answering through its named API."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest

from assistant.answer import Answer, Citation
from assistant.meta import Plan
from ui.dialog import follow_up
from ui.feedback import record_feedback
from ui.render import (
    NEARBY_HEADING,
    context_html,
    highlight_quote,
    paragraph_bounds,
    render_answer,
    render_sources,
    sources_data,
)
from ui.reply import draft_reply, reply_docx, reply_md, section_ref
from ui.tables import (
    NOT_LISTED,
    all_units,
    duties_for_unit,
    plans_table,
    same_indicator,
    targets_table,
    unit_matcher,
    units_for_task,
    write_csv,
)
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
    assert follow_up(NURSES, "床位数呢？", PLANS) == "床位数呢？"
    assert follow_up("", "那济宁市呢？", PLANS) == "那济宁市呢？"


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


def test_draft_reply_when_abstaining_says_plan_does_not_specify():
    draft = draft_reply(_answer("", "无关段落。", abstained=True), PLANS)
    assert "未对此作出具体规定" in draft and f"《{FUSHAN}》" in draft and "无关段落" not in draft


def test_reply_files_are_readable(tmp_path):
    from docx import Document

    text = f"您好！\n根据《{FUSHAN}》“三、主要任务”部分：“到2025年，每千人口注册护士数达到4.05人。”"
    docx = reply_docx(text, tmp_path / "r" / "reply.docx")
    paragraphs = [p.text for p in Document(str(docx)).paragraphs]
    assert any("4.05" in p for p in paragraphs) and "答复口径" in paragraphs
    md = reply_md(text, tmp_path / "reply.md").read_text(encoding="utf-8")
    assert md.startswith("# 答复口径") and "4.05" in md


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
        f.truncate(21 * 1024 * 1024)
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
    assert handlers.add_plan(str(fake), progress=lambda *a, **k: None)[0].startswith("❌")
    assert sorted((p.name, p.stat().st_size) for p in copy.rglob("*") if p.is_file()) == before
    count = len(handlers.assistant.plans)
    plan = tmp_path / "linhe.txt"
    plan.write_text("临河县“十四五”卫生健康规划\n一、主要任务\n到2025年，全县每千人口注册护士数达到3.6人。\n", encoding="utf-8")
    message = handlers.add_plan(str(plan), progress=lambda *a, **k: None)[0]
    assert message.startswith("✅") and f"{count + 1} 份规划" in message
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
    assert out[0].startswith("✅") and added == [str(good)]
    assert [p.id for p in handlers.plans] == ["fushan", "new"] and len(out[1]) == 2


def test_launch_binds_localhost_without_share(monkeypatch):
    import gradio as gr

    import ui.app

    seen = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: seen.update(kw))
    stub = _stub_assistant(ask=lambda q, plans=None: _answer("答[1]", "答"))
    ui.app.launch(stub, port=7999)
    assert seen["server_name"] == "127.0.0.1" and seen["server_port"] == 7999
    assert seen["share"] is False and seen["auth"] is None and seen["max_file_size"] == "20mb"
    ui.app.launch(stub, host="0.0.0.0", port=7999, auth=("user", "secret"))
    assert seen["server_name"] == "0.0.0.0" and seen["auth"]("user", "secret") is True
    assert seen["auth"]("user", "wrong") is False  # a throttled check (ui.limits.LoginThrottle)

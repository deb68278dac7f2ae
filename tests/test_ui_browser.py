"""End to end in headless Chromium: ask in the chat, read the highlighted sources, visit every tab.

Screenshots go to a temporary folder; with SAVE_SCREENSHOTS=1 they go to docs/screenshots/ instead
(chat.png, targets.png, duties.png, plans.png), so CI never dirties the tree.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
FUSHAN = "烟台市福山区“十四五”卫生与健康规划"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated)"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        if not Path(CHROMIUM).exists():
            pytest.fail(f"{CHROMIUM} missing: run `make browser` (apt-get install -y chromium chromium-driver)")
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@contextmanager
def opened(browser, url: str, width: int, height: int):
    """A page of the app at this window size, with its question box ready; closed afterwards."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.locator("#question textarea").wait_for()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture()
def page(browser, served):
    with opened(browser, served[0], 1400, 1000) as page:
        yield page


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path_factory.mktemp("screenshots")


def ask(page, question: str) -> None:
    before = page.locator("#chat .message-row, #chat [data-testid='bot']").count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .message-row, #chat [data-testid=\"bot\"]').length > n", arg=before)


def test_chat_answers_with_highlighted_sources_and_drafts_a_reply(page, served, shots, assistant):
    from playwright.sync_api import expect

    from ui.render import MARKER

    ask(page, "福山区到2025年每千人口注册护士数要达到多少？")
    chat = page.locator("#chat")
    chat.get_by_text("4.05", exact=False).first.wait_for()
    sources = page.locator("#sources-panel")
    sources.locator("mark").first.wait_for()
    assert "主要发展指标" in sources.inner_text()
    table = sources.locator("#src-1 table.src-table").first  # the indicator table, as a table
    assert "主要指标" in table.locator("thead").inner_text()
    hit = table.locator("tbody tr.hit")
    assert hit.count() == 1 and "每千人口注册护士数" in hit.inner_text() and "4.05" in hit.inner_text()
    assert "床位" not in table.locator("tbody").inner_text()  # other rows wait behind 展开
    full = sources.locator("#src-1 details.full-table")
    full.locator("summary").click()
    assert "每千人口医疗卫生机构床位数" in full.inner_text()
    assert "4.05" in sources.locator("mark").first.inner_text()
    full.locator("summary").click()  # folded again: the screenshot shows the answering row, not 21 rows
    expect(full.locator("tbody")).to_be_hidden()

    page.locator("#draft").click()
    page.wait_for_function("() => document.querySelector('#reply textarea').value.includes('根据《')")
    draft = page.locator("#reply textarea").input_value()
    assert f"根据《{FUSHAN}》" in draft and "4.05" in draft
    page.screenshot(path=str(shots / "chat.png"), full_page=True)

    page.get_by_role("button", name="有帮助").click()
    page.get_by_text("已记录").first.wait_for()
    record = json.loads(served[1].read_text(encoding="utf-8").splitlines()[-1])
    assert record["rating"] == "up" and "4.05" in record["answer"] and record["citations"]

    ask(page, "那济宁市呢？")  # follow-up: the previous question about another place
    chat.get_by_text("按上一问理解为").first.wait_for()
    chat.get_by_text("4.25", exact=False).first.wait_for()
    assert "济宁市" in sources.inner_text()
    page.wait_for_function("() => document.querySelector('#reply textarea').value === ''")  # old draft gone
    assert page.locator("#reply textarea").input_value() == ""
    for name in ("下载 Word（.docx）", "下载 Markdown（.md）"):
        assert page.get_by_role("button", name=name).is_disabled()

    undo = page.locator("#undo-rewrite")  # the rewrite undone: the user's own words, answered literally
    expect(undo).to_be_visible()
    page.locator("#draft").click()
    page.wait_for_function("() => document.querySelector('#reply textarea').value.includes('根据《')")
    literal = assistant.ask("那济宁市呢？")
    undo.click()
    expect(undo).to_be_hidden()
    expect(chat).not_to_contain_text("按上一问理解为")
    bot = chat.locator("[data-testid='bot']").last
    for line in filter(None, (MARKER.sub("", t).strip() for t in literal.text.splitlines())):
        expect(bot).to_contain_text(line)
    expect(chat.locator("[data-testid='user']").last).to_have_text("那济宁市呢？")
    expect(sources).to_contain_text("并非答案" if literal.abstained else literal.citations[0].title)
    expect(page.locator("#reply textarea")).to_have_value("")  # the rewritten answer's draft gone too
    assert "4.25" not in bot.inner_text()


def test_abstention_shows_nearest_passages_as_not_an_answer(page):
    ask(page, "张店区的地铁线路规划是什么？")
    page.locator("#chat").get_by_text("未在所选规划中找到相关内容").first.wait_for()
    assert "并非答案" in page.locator("#sources-panel").inner_text()
    page.locator("#draft").click()
    page.wait_for_function("() => document.querySelector('#reply textarea').value.includes('未找到')")
    assert "的具体表述" in page.locator("#reply textarea").input_value()
    page.locator("#reply-note").get_by_text("最接近的段落").wait_for()


def test_tabs_show_targets_duties_and_plans(page, shots, assistant, tmp_path):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="指标").click()
    if getattr(assistant, "targets", None):
        from ui.defaults import same_default

        expect(page.get_by_label("指标", exact=True)).to_have_value(same_default(assistant.plans, assistant.targets))
        page.get_by_label("指标", exact=True).fill("每千人口注册护士数")
        expect(page.locator("#same-table")).to_contain_text("4.05")
    else:
        expect(page.get_by_text("没有结构化指标数据")).to_be_visible()
    page.screenshot(path=str(shots / "targets.png"), full_page=True)

    page.get_by_role("tab", name="分工").click()
    if getattr(assistant, "duties", None):
        expect(page.locator("#duties-table")).to_contain_text("区卫生健康局")
    else:
        expect(page.get_by_text("没有部门分工数据")).to_be_visible()
    page.screenshot(path=str(shots / "duties.png"), full_page=True)

    page.get_by_role("tab", name="规划库").click()
    expect(page.locator("#plans-table")).to_contain_text(FUSHAN)
    expect(page.locator("#plans-table")).to_contain_text("分块数")
    page.screenshot(path=str(shots / "plans.png"), full_page=True)

    empty = tmp_path / "空规划.txt"  # checked before add_plan is called, so the shared assistant is untouched
    empty.write_bytes(b"")
    page.locator("input[type=file][accept*='.pdf']").set_input_files(str(empty))
    page.get_by_text("空规划.txt").first.wait_for()
    page.get_by_role("button", name="添加到规划库").click()
    expect(page.get_by_text("文件为空")).to_be_visible()


# the table, its scrolling viewport, and every shown cell (a cell that does not wrap clips its text)
OVERFLOW_JS = """id => {
  const root = document.getElementById(id);
  const boxes = [root, ...root.querySelectorAll('.table-wrap, .virtual-table-viewport, .virtual-row .cell-wrap, .virtual-row .cell-wrap *')];
  return boxes.map(e => [e.className.toString().split(' ')[0] || id, e.scrollWidth, e.clientWidth]);
}"""
TOLERANCE_PX = 2


@pytest.fixture()
def narrow(browser, served):
    """A page at 1280 px, the width of an office laptop screen."""
    with opened(browser, served[0], 1280, 900) as page:
        yield page


def cell(page, table: str, row: int, col: int):
    """One body cell of a Gradio 6 Dataframe (a virtualised grid of div rows)."""
    return page.locator(f"#{table} .virtual-row").nth(row).locator(".body-cell").nth(col)


def assert_fits(page, table: str) -> None:
    for name, scroll, client in page.evaluate(OVERFLOW_JS, table):
        assert scroll <= client + TOLERANCE_PX, f"{table} {name}: {scroll}px wide in {client}px"


def test_tables_fit_the_window_count_rows_and_show_sources(narrow, assistant):
    from playwright.sync_api import expect

    from ui.tables import duties_for_unit, targets_table, unit_matcher

    page = narrow
    page.get_by_role("tab", name="指标").click()
    n = len(targets_table(assistant.targets, assistant.plans))
    expect(page.locator("#targets-table-count")).to_have_text(f"共 {n} 条")
    expect(page.locator("#targets-table")).to_contain_text("出处")
    assert_fits(page, "targets-table")
    assert_fits(page, "same-table")
    cell(page, "targets-table", 0, 2).click()  # the first indicator of the first plan: its table row
    expect(page.locator("#targets-passage .src-path").first).to_be_visible()
    assert page.locator("#targets-passage table.src-table tr.hit").count() >= 1 or \
        page.locator("#targets-passage mark").count() >= 1
    page.get_by_label("指标名称筛选").fill("注册护士")
    expect(page.locator("#targets-passage")).to_contain_text("点击表格中的一行")  # a new table, no selection
    shown = len(targets_table(assistant.targets, assistant.plans, query="注册护士"))
    expect(page.locator("#targets-table-count")).to_have_text(f"共 {shown} 条")

    page.get_by_role("tab", name="分工").click()
    head = page.locator("#duties-table").inner_text()
    assert all(h in head for h in ("牵头单位", "参与单位", "责任单位"))
    unit = page.locator("#unit input").input_value()
    rows = duties_for_unit(assistant.duties, assistant.plans, unit, unit_matcher())
    expect(page.locator("#duties-table-count")).to_have_text(f"共 {len(rows)} 条")
    assert_fits(page, "duties-table")
    assert_fits(page, "task-table")
    cell(page, "duties-table", 0, 1).click()
    expect(page.locator("#duties-passage .src-head")).to_have_text(rows[0][0])

    page.get_by_role("tab", name="规划库").click()
    expect(page.locator("#plans-table-count")).to_have_text(f"共 {len(assistant.plans)} 条")
    assert_fits(page, "plans-table")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280 + TOLERANCE_PX


@pytest.fixture()
def served_copy(index_dir, assistant, tmp_path):
    """The app on a temporary copy of the index (removal writes to it), reusing the loaded encoder."""
    import shutil
    import socket

    from assistant import Assistant
    from ui.app import build_app

    copy = tmp_path / "idx"
    shutil.copytree(index_dir, copy)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = build_app(Assistant.load(copy, encoder=assistant._encoder), feedback_path=tmp_path / "fb.jsonl", warm=False)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/", copy
    app.close()


def test_remove_plan_needs_confirmation_and_refreshes_every_list(browser, served_copy, index_dir, assistant):
    from playwright.sync_api import expect

    from assistant import Assistant
    from assistant.store import read_manifest
    from ui.tables import targets_table

    url, copy = served_copy
    shared = sorted(p.id for p in read_manifest(index_dir).plans)
    plans = list(read_manifest(copy).plans)
    victim = plans[1]
    with opened(browser, url, 1280, 900) as page:
        page.get_by_role("tab", name="规划库").click()
        expect(page.locator("#confirm-delete")).to_be_hidden()
        page.locator("#delete-plan").click()  # nothing chosen: nothing to confirm
        expect(page.locator("#remove-status")).to_contain_text("请先选择")
        expect(page.locator("#confirm-delete")).to_be_hidden()

        cell(page, "plans-table", 1, 0).click()  # a click on its row chooses the plan
        expect(page.locator("#remove-plan input")).to_have_value(victim.title)
        page.locator("#delete-plan").click()
        expect(page.locator("#confirm-delete")).to_have_text(f"确认删除《{victim.title}》")
        page.locator("#cancel-delete").click()
        expect(page.locator("#confirm-delete")).to_be_hidden()
        assert [p.id for p in read_manifest(copy).plans] == [p.id for p in plans]  # cancel wrote nothing

        page.locator("#delete-plan").click()
        page.locator("#confirm-delete").click()
        expect(page.locator("#remove-status")).to_contain_text(f"已删除《{victim.title}》")
        expect(page.locator("#plans-table-count")).to_have_text(f"共 {len(plans) - 1} 条")
        expect(page.locator("#confirm-delete")).to_be_hidden()
        assert victim.title not in page.locator("#plans-table").inner_text()
        assert victim.id not in [p.id for p in read_manifest(copy).plans]
        assert sorted(p.id for p in read_manifest(index_dir).plans) == shared  # the shared index untouched
        page.get_by_role("tab", name="问答").click()
        assert victim.title not in page.locator("#plan-box").inner_text()
        left = Assistant.load(copy, encoder=assistant._encoder)
        page.get_by_role("tab", name="指标").click()
        expect(page.locator("#targets-table-count")).to_have_text(f"共 {len(targets_table(left.targets, left.plans))} 条")

"""The Gradio web UI: chat with cited sources, reply drafts, target and duty tables, the plan library.

``launch(assistant, host, port, auth)`` is what ``assistant serve`` calls. It binds 127.0.0.1 unless told
otherwise, never opens a public share link, and queues questions so concurrent users wait their turn
instead of running the (single-threaded) encoder concurrently; uploads have a queue of their own.
"""

from pathlib import Path

import gradio as gr

from assistant.llm import Writer
from assistant.settings import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

from .api import api_routes
from .defaults import example_questions, follow_up_hint, same_default
from .feedback import MAX_COMMENT_CHARS
from .handlers import REFRESH_COUNT, Handlers, new_session
from .limits import LoginThrottle
from .llm_ui import LLMHandlers
from .render import SOURCES_CSS, passages_html, render_sources
from .tables import DUTY_COLUMNS, PLAN_COLUMNS, SAME_COLUMNS, TARGET_COLUMNS, TASK_COLUMNS, column_widths, count_text
from .upload import PLAN_TYPES, add_isolated

INTRO = ("**规划问答助手** · 回答以规划原文为准：每句答案标注 [1] [2]，右侧列出规划标题、章节和原文；"
         "规划中没有的内容会明确说明“未找到”。追问可以只说地名，如{hint}。")
ASSISTANT = "assistant"  # one concurrency group: every event that runs the encoder waits for the others
UPLOAD = "upload"  # uploads have their own worker (and run in a child process): questions never wait for them
PRIVATE = {"api_visibility": "private"}
UNDO_LABEL = "按原问题回答"  # shown under the chat after a follow-up was rewritten: asks the user's own words


def _chat_tab(h: Handlers, examples: list[str], llm: LLMHandlers | None = None) -> gr.CheckboxGroup:
    state = gr.State(new_session())
    with gr.Row():
        with gr.Column(scale=3):
            plan_box = gr.CheckboxGroup(choices=h.plan_choices(), label="检索范围（不选 = 全部规划）", elem_id="plan-box")
            chatbot = gr.Chatbot(label="对话", height=440, buttons=["copy"], elem_id="chat")
            undo = gr.Button(UNDO_LABEL, visible=False, size="sm", elem_id="undo-rewrite")
            with gr.Row():
                question = gr.Textbox(placeholder=f"输入问题，如：{examples[0]}", show_label=False,
                                      scale=5, max_lines=4, elem_id="question")
                send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
            use_llm = llm.toggle() if llm else None
            gr.Examples([[q] for q in examples], inputs=[question], label="示例问题（点击填入）")
            with gr.Row():
                up = gr.Button("有帮助", size="sm")
                down = gr.Button("没帮助", size="sm")
                clear = gr.Button("清空对话", size="sm")
            comment = gr.Textbox(label="反馈意见（可选）", lines=1, max_lines=3, max_length=MAX_COMMENT_CHARS)
            fb_status = gr.Markdown()
            with gr.Accordion("答复口径", open=True):
                draft = gr.Button("生成答复口径", elem_id="draft")
                reply = gr.Textbox(label="答复口径（可编辑）", lines=6, buttons=["copy"], interactive=True, elem_id="reply")
                reply_note = gr.Markdown(elem_id="reply-note")
                with gr.Row():
                    docx = gr.DownloadButton("下载 Word（.docx）", interactive=False, size="sm")
                    md = gr.DownloadButton("下载 Markdown（.md）", interactive=False, size="sm")
                llm_note = llm.reply_status() if llm else None
        with gr.Column(scale=2):
            sources = gr.HTML(render_sources(None, {}), css_template=SOURCES_CSS, max_height=900, elem_id="sources-panel")

    ask = {"fn": h.ask, "inputs": [question, plan_box, state],
           "outputs": [question, chatbot, sources, state, reply, reply_note, docx, md, undo],
           "concurrency_id": ASSISTANT, "concurrency_limit": 1, **PRIVATE}
    undone = {"fn": h.undo_rewrite, "inputs": [state, plan_box],
              "outputs": [chatbot, sources, state, reply, reply_note, docx, md, undo],
              "concurrency_id": ASSISTANT, "concurrency_limit": 1, **PRIVATE}
    for event, name, spec in ((send.click, "chat", ask), (question.submit, "chat_submit", ask),
                              (undo.click, "undo_rewrite", undone)):  # "ask" stays the public API
        asked = event(api_name=name, **spec)
        if llm:  # a second event, outside the encoder's queue, rewrites the answer just given
            asked.then(llm.polish, [state, use_llm], [chatbot, state], concurrency_id="llm", concurrency_limit=4,
                       **PRIVATE)
    for event in (clear.click, chatbot.clear):  # the chat's own trash icon must reset the session too
        event(h.clear, None, [chatbot, sources, state, reply, reply_note, docx, md, undo], **PRIVATE)
    if llm:
        draft.click(llm.draft, [state, use_llm], [reply, docx, md, llm_note], concurrency_id="llm",
                    concurrency_limit=4, **PRIVATE)
    else:
        draft.click(h.draft, [state], [reply, reply_note, docx, md], **PRIVATE)
    reply.input(h.reply_files, [reply, state], [docx, md], trigger_mode="always_last", **PRIVATE)
    def vote(rating: str):
        def handler(c, s, request: gr.Request):
            return h.feedback(rating, c, s, getattr(getattr(request, "client", None), "host", None) or "local")
        return handler

    up.click(vote("up"), [comment, state], [fb_status, comment], **PRIVATE)
    down.click(vote("down"), [comment, state], [fb_status, comment], **PRIVATE)
    return plan_box


def _table(value, columns, elem_id: str, **kw) -> tuple[gr.Markdown, gr.Dataframe]:
    """A table that wraps to the window (column shares from ui.tables), with its row count above it."""
    count = gr.Markdown(count_text(len(value)), elem_id=f"{elem_id}-count")
    table = gr.Dataframe(value, headers=[c for c, _ in columns], interactive=False, wrap=True,
                         column_widths=column_widths(columns), elem_id=elem_id, **kw)
    return count, table


def _passage(elem_id: str) -> gr.HTML:
    return gr.HTML(passages_html([], {}), css_template=SOURCES_CSS, elem_id=elem_id)


def _targets_tab(h: Handlers) -> dict:
    if not h.targets:
        gr.Markdown("当前索引中没有结构化指标数据（指标抽取尚未启用或规划中没有指标表）。")
    with gr.Row():
        plan = gr.Dropdown(choices=[("全部规划", ""), *h.plan_choices()], value="", label="规划", scale=2)
        query = gr.Textbox(label="指标名称筛选", placeholder="输入指标名称中的词，空格分隔", scale=3)
    rows, csv = h.targets_data("", "")
    count, table = _table(rows, TARGET_COLUMNS, "targets-table", max_height=480)
    csv_btn = gr.DownloadButton("下载 CSV", value=str(csv), interactive=not rows.empty, size="sm")
    passage = _passage("targets-passage")
    for event in (plan.change, query.change):
        event(h.targets_view, [plan, query], [table, csv_btn, count, passage], **PRIVATE)
    table.select(h.targets_source, [plan, query], [passage], **PRIVATE)
    gr.Markdown("#### 同一指标跨规划对比")
    default = same_default(h.plans, h.targets)
    same_q = gr.Textbox(label="指标", placeholder=f"如：{default}" if default else "输入指标名称", value=default)
    same_rows, same_csv = h.same_data(same_q.value)
    same_count, same = _table(same_rows, SAME_COLUMNS, "same-table")
    same_btn = gr.DownloadButton("下载 CSV", value=str(same_csv), interactive=not same_rows.empty, size="sm")
    same_passage = _passage("same-passage")
    same_q.change(h.same_view, [same_q], [same, same_btn, same_count, same_passage], **PRIVATE)
    same.select(h.same_source, [same_q], [same_passage], **PRIVATE)
    return {"plan": plan, "query": query, "table": table, "csv": csv_btn, "count": count, "passage": passage,
            "same_q": same_q, "same": same, "same_csv": same_btn, "same_count": same_count,
            "same_passage": same_passage}


def _duties_tab(h: Handlers) -> dict:
    units = h.units()
    if not units:
        gr.Markdown("当前索引中没有部门分工数据（分工抽取尚未启用或规划中没有牵头/参与单位）。")
    gr.Markdown("#### 按单位查看任务")
    unit = gr.Dropdown(choices=units, value=units[0] if units else None, allow_custom_value=True, filterable=True,
                       label="单位（可选择或输入，如“卫健局”）", elem_id="unit")
    rows, csv = h.unit_data(unit.value)
    count, table = _table(rows, DUTY_COLUMNS, "duties-table", max_height=480)
    csv_btn = gr.DownloadButton("下载 CSV", value=str(csv), interactive=not rows.empty, size="sm")
    passage = _passage("duties-passage")
    unit.change(h.unit_view, [unit], [table, csv_btn, count, passage], **PRIVATE)
    table.select(h.unit_source, [unit], [passage], **PRIVATE)
    gr.Markdown("#### 按任务查看单位")
    tasks = h.tasks()
    task = gr.Dropdown(choices=tasks, value=tasks[0][1] if tasks else None, filterable=True, label="任务")
    task_rows, _, task_html = h.task_view(task.value)
    task_count, task_table = _table(task_rows, TASK_COLUMNS, "task-table")
    task_passage = gr.HTML(task_html, css_template=SOURCES_CSS, elem_id="task-passage")
    task.change(h.task_view, [task], [task_table, task_count, task_passage], **PRIVATE)
    return {"unit": unit, "table": table, "csv": csv_btn, "count": count, "passage": passage, "task": task,
            "task_table": task_table, "task_count": task_count, "task_passage": task_passage}


def _plans_tab(h: Handlers) -> dict:
    plans = h.plans_view()
    count, table = _table(plans, PLAN_COLUMNS, "plans-table")
    gr.Markdown(f"#### 添加规划\n支持 {' / '.join(PLAN_TYPES)}，单个文件不超过 {MAX_UPLOAD_MB} MB。")
    upload = gr.File(label="上传规划文件", file_types=list(PLAN_TYPES), file_count="single", type="filepath")
    add = gr.Button("添加到规划库", variant="primary")
    status = gr.Markdown()
    gr.Markdown("#### 删除规划\n选择规划（或点击上表中的一行），点“删除”，再点“确认删除《标题》”。")
    with gr.Row():
        pick = gr.Dropdown(choices=h.plan_choices(), value=None, label="要删除的规划", elem_id="remove-plan", scale=4)
        delete = gr.Button("删除", variant="stop", elem_id="delete-plan", scale=1)
    with gr.Row():
        confirm = gr.Button("确认删除", variant="stop", visible=False, elem_id="confirm-delete")
        cancel = gr.Button("取消", visible=False, elem_id="cancel-delete")
    pending = gr.State(None)  # the plan the confirm button names: it, not the picker's value, is removed
    remove_status = gr.Markdown(elem_id="remove-status")
    table.select(h.pick_plan, None, [pick], **PRIVATE)
    delete.click(h.ask_remove, [pick], [pending, confirm, cancel, remove_status], **PRIVATE)
    cancel.click(h.cancel_remove, None, [pending, confirm, cancel, remove_status], **PRIVATE)
    pick.change(lambda: (None, gr.Button(visible=False), gr.Button(visible=False)), None,
                [pending, confirm, cancel], **PRIVATE)
    return {"table": table, "count": count, "upload": upload, "add": add, "status": status, "pick": pick,
            "confirm": confirm, "cancel": cancel, "pending": pending, "remove_status": remove_status}


def examples_of(assistant) -> list[str]:
    """The example questions of this index (ui.defaults): from its own plans, targets and duties."""
    return example_questions(list(assistant.plans), list(getattr(assistant, "targets", None) or []),
                             list(getattr(assistant, "duties", None) or []))


def warm_up(assistant) -> None:
    """Ask one question before serving: the first ask loads the tokenizer dictionary (~1 s), which the
    first user should not wait for. The question is the first example, so it is about a loaded plan."""
    try:
        assistant.ask(examples_of(assistant)[0])
    except Exception:  # a warm-up failure must not stop the UI; the real question will report it
        pass


def build_app(assistant, feedback_path: Path = Path("feedback/feedback.jsonl"), warm: bool = True,
              adder=add_isolated, llm: Writer | None = None) -> gr.Blocks:
    """The whole UI bound to one loaded assistant; feedback goes to ``feedback_path`` (JSON lines).

    ``llm``: the LLM endpoint (default: the one the assistant's settings name, if any) behind the toggle."""
    if warm:
        warm_up(assistant)
    h = Handlers(assistant, feedback_path, adder)
    llm = llm or Writer.from_settings(getattr(assistant, "settings", None))
    llm_h = LLMHandlers(h, llm) if llm else None
    with gr.Blocks(title="规划问答助手", analytics_enabled=False) as app:
        gr.Markdown(INTRO.format(hint=follow_up_hint(h.plans)))
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                plan_box = _chat_tab(h, examples_of(assistant), llm_h)
            with gr.Tab("指标", id="targets"):
                t = _targets_tab(h)
            with gr.Tab("分工", id="duties"):
                d = _duties_tab(h)
            with gr.Tab("规划库", id="plans"):
                p = _plans_tab(h)
        # every list and table that names plans, in the order Handlers.refresh returns them
        refreshed = [p["table"], p["count"], plan_box, t["plan"], t["table"], t["csv"], t["count"], t["passage"],
                     t["same"], t["same_csv"], t["same_count"], t["same_passage"], d["unit"], d["table"], d["csv"],
                     d["count"], d["passage"], d["task"], d["task_table"], d["task_count"], d["task_passage"],
                     p["pick"]]
        assert len(refreshed) == REFRESH_COUNT
        state_in = [t["query"], t["same_q"], d["unit"]]
        writer = {"concurrency_id": UPLOAD, "concurrency_limit": 1, **PRIVATE}  # one index writer at a time
        p["add"].click(h.add_plan, [p["upload"], *state_in], [p["status"], *refreshed], **writer)
        p["confirm"].click(h.remove_plan, [p["pending"], *state_in],
                           [p["pending"], p["confirm"], p["cancel"], p["remove_status"], *refreshed], **writer)
        gr.api(h.api_ask, api_name="ask", concurrency_id=ASSISTANT, concurrency_limit=1)
    app.queue(default_concurrency_limit=1, max_size=64)
    app.ui_handlers = h  # for tests and for callers who want to swap the assistant
    app.llm_writer = llm
    return app


def http_api(app: gr.Blocks, auth: tuple[str, str] | None = None) -> dict:
    """``launch`` keyword arguments that serve the HTTP API (ui/api.py) beside the UI, under the same login."""
    return {"app_kwargs": {"routes": api_routes(lambda: app.ui_handlers.assistant, app.llm_writer, auth)}}


def launch(assistant, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None) -> None:
    """Serve the UI (blocking) on host:port; ``auth`` is an optional (user, password) login, throttled
    after repeated failures (ui.limits.LoginThrottle)."""
    app = build_app(assistant)
    app.launch(server_name=host or "127.0.0.1", server_port=port, share=False,
               auth=LoginThrottle(*auth) if auth and all(auth) else None, max_file_size=MAX_UPLOAD_BYTES,
               show_error=True, theme=gr.themes.Soft(), **http_api(app, auth))

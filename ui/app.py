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
from .feedback import MAX_COMMENT_CHARS
from .handlers import Handlers, new_session
from .limits import LoginThrottle
from .llm_ui import LLMHandlers
from .render import SOURCES_CSS, render_sources
from .tables import DUTY_HEADERS, SAME_HEADERS, TARGET_HEADERS, TASK_HEADERS
from .upload import PLAN_TYPES, add_isolated

EXAMPLES = [
    "福山区到2025年每千人口注册护士数要达到多少？",
    "福山区在急救体系方面谁牵头？",
    "济宁市每万人口全科医生数目标是多少？",
    "健康张店意见中推进医疗联合体建设的责任单位有哪些？",
]
INTRO = ("**规划问答助手** · 回答以规划原文为准：每句答案标注 [1] [2]，右侧列出规划标题、章节和原文；"
         "规划中没有的内容会明确说明“未找到”。追问可以只说地名，如“那济宁市呢？”。")
ASSISTANT = "assistant"  # one concurrency group: every event that runs the encoder waits for the others
UPLOAD = "upload"  # uploads have their own worker (and run in a child process): questions never wait for them
PRIVATE = {"api_visibility": "private"}


def _chat_tab(h: Handlers, llm: LLMHandlers | None = None) -> gr.CheckboxGroup:
    state = gr.State(new_session())
    with gr.Row():
        with gr.Column(scale=3):
            plan_box = gr.CheckboxGroup(choices=h.plan_choices(), label="检索范围（不选 = 全部规划）", elem_id="plan-box")
            chatbot = gr.Chatbot(label="对话", height=440, buttons=["copy"], elem_id="chat")
            with gr.Row():
                question = gr.Textbox(placeholder="输入问题，如：福山区到2025年每千人口注册护士数要达到多少？", show_label=False,
                                      scale=5, max_lines=4, elem_id="question")
                send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
            use_llm = llm.toggle() if llm else None
            gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="示例问题（点击填入）")
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
           "outputs": [question, chatbot, sources, state, reply, reply_note, docx, md],
           "concurrency_id": ASSISTANT, "concurrency_limit": 1, **PRIVATE}
    for event, name in ((send.click, "chat"), (question.submit, "chat_submit")):  # "ask" stays the public API
        asked = event(api_name=name, **ask)
        if llm:  # a second event, outside the encoder's queue, rewrites the answer just given
            asked.then(llm.polish, [state, use_llm], [chatbot, state], concurrency_id="llm", concurrency_limit=4,
                       **PRIVATE)
    for event in (clear.click, chatbot.clear):  # the chat's own trash icon must reset the session too
        event(h.clear, None, [chatbot, sources, state, reply, reply_note, docx, md], **PRIVATE)
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


def _targets_tab(h: Handlers):
    if not h.targets:
        gr.Markdown("当前索引中没有结构化指标数据（指标抽取尚未启用或规划中没有指标表）。")
    with gr.Row():
        plan = gr.Dropdown(choices=[("全部规划", ""), *h.plan_choices()], value="", label="规划", scale=2)
        query = gr.Textbox(label="指标名称筛选", placeholder="如：护士、床位、全科医生", scale=3)
    rows, csv = h.targets_data("", "")
    table = gr.Dataframe(rows, headers=TARGET_HEADERS, interactive=False, wrap=True, max_height=480,
                         elem_id="targets-table")
    csv_btn = gr.DownloadButton("下载 CSV", value=str(csv), interactive=not rows.empty, size="sm")
    for event in (plan.change, query.change):
        event(h.targets_view, [plan, query], [table, csv_btn], **PRIVATE)
    gr.Markdown("#### 同一指标跨规划对比")
    same_q = gr.Textbox(label="指标", placeholder="如：每千人口注册护士数", value="每千人口注册护士数" if h.targets else "")
    same_rows, same_csv = h.same_data(same_q.value)
    same = gr.Dataframe(same_rows, headers=SAME_HEADERS, interactive=False, wrap=True, elem_id="same-table")
    same_btn = gr.DownloadButton("下载 CSV", value=str(same_csv), interactive=not same_rows.empty, size="sm")
    same_q.change(h.same_view, [same_q], [same, same_btn], **PRIVATE)
    return plan


def _duties_tab(h: Handlers):
    units = h.units()
    if not units:
        gr.Markdown("当前索引中没有部门分工数据（分工抽取尚未启用或规划中没有牵头/参与单位）。")
    gr.Markdown("#### 按单位查看任务")
    unit = gr.Dropdown(choices=units, value=units[0] if units else None, allow_custom_value=True, filterable=True,
                       label="单位（可选择或输入，如“卫健局”）", elem_id="unit")
    rows, csv = h.unit_data(unit.value)
    table = gr.Dataframe(rows, headers=DUTY_HEADERS, interactive=False, wrap=True, max_height=480, elem_id="duties-table")
    csv_btn = gr.DownloadButton("下载 CSV", value=str(csv), interactive=not rows.empty, size="sm")
    unit.change(h.unit_view, [unit], [table, csv_btn], **PRIVATE)
    gr.Markdown("#### 按任务查看单位")
    tasks = h.tasks()
    task = gr.Dropdown(choices=tasks, value=tasks[0][1] if tasks else None, filterable=True, label="任务")
    task_rows, where_text = h.task_view(task.value)
    where = gr.Markdown(where_text)
    task_table = gr.Dataframe(task_rows, headers=TASK_HEADERS, interactive=False, wrap=True)
    task.change(h.task_view, [task], [task_table, where], **PRIVATE)
    return unit, task


def _plans_tab(h: Handlers):
    table = gr.Dataframe(h.plans_view(), interactive=False, wrap=True, elem_id="plans-table")
    gr.Markdown(f"#### 添加规划\n支持 {' / '.join(PLAN_TYPES)}，单个文件不超过 {MAX_UPLOAD_MB} MB。")
    upload = gr.File(label="上传规划文件", file_types=list(PLAN_TYPES), file_count="single", type="filepath")
    add = gr.Button("添加到规划库", variant="primary")
    status = gr.Markdown()
    return table, upload, add, status


def warm_up(assistant) -> None:
    """Ask one question before serving: the first ask loads the tokenizer dictionary (~1 s), which the
    first user should not wait for."""
    try:
        assistant.ask(EXAMPLES[0])
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
        gr.Markdown(INTRO)
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                plan_box = _chat_tab(h, llm_h)
            with gr.Tab("指标", id="targets"):
                target_plan = _targets_tab(h)
            with gr.Tab("分工", id="duties"):
                unit, task = _duties_tab(h)
            with gr.Tab("规划库", id="plans"):
                plans_table, upload, add, status = _plans_tab(h)
        add.click(h.add_plan, [upload], [status, plans_table, plan_box, target_plan, unit, task],
                  concurrency_id=UPLOAD, concurrency_limit=1, **PRIVATE)
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

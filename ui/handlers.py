"""Event handlers of the web UI. Thin on purpose: they call the assistant and the pure functions in
render / reply / tables / dialog / feedback, and only shape results into component values."""

import logging
import tempfile
import threading
from pathlib import Path

import gradio as gr
import pandas as pd

from assistant.core import QuestionError
from assistant.ingest import InputError
from assistant.swap import IndexProblem

from .dialog import follow_up
from .feedback import FeedbackRefused, record_feedback
from .library import remove_plan
from .limits import RateLimit
from .render import MARK_FAIL, MARK_OK, MARK_WARN, escape_md, passages_html, render_answer, render_sources, sources_data
from .reply import draft_reply, draft_warning, reply_docx, reply_md, reply_sources
from .tables import (
    DUTY_HEADERS,
    PLAN_HEADERS,
    SAME_HEADERS,
    TARGET_HEADERS,
    TASK_HEADERS,
    all_units,
    count_text,
    duties_for_unit,
    duty_passages,
    duty_row,
    duty_rows,
    pick_row,
    plans_table,
    same_indicator,
    same_rows,
    target_passages,
    target_row,
    target_rows,
    targets_table,
    task_choices,
    unit_matcher,
    units_for_task,
    write_csv,
)
from .upload import check_upload

REFRESH_COUNT = 22  # outputs of Handlers.refresh

FEEDBACK_PER_MINUTE = 10  # per client address
log = logging.getLogger(__name__)
USER_ERRORS = (InputError, IndexProblem, QuestionError)  # the user's file or index, not a bug: no traceback


def one_line(text: object) -> str:
    """A message as one log line: a log reader greps lines, and a file name may carry newlines."""
    return " ".join(str(text).split())


def new_session() -> dict:
    """Per-browser-session state: chat messages, the last (effective) question and its Answer, and the
    user's own words when the last turn was a rewritten follow-up."""
    return {"messages": [], "question": "", "answer": None, "original": None}


def frame(rows: list, headers: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=headers)


class Handlers:
    """Callbacks bound to one assistant; ``assistant`` is swapped when a plan is added online."""

    def __init__(self, assistant, feedback_path: Path, adder=None, remover=None):
        self.assistant = assistant
        self.feedback_path = Path(feedback_path)
        self.out_dir = Path(tempfile.mkdtemp(prefix="plan-assistant-ui-"))
        self._swap = threading.Lock()
        # how an upload reaches the index: (assistant, path) → (assistant, report); in-process by default,
        # a child process in the served app (ui.upload.add_isolated)
        self.adder = adder or (lambda a, p: (a.add_plan(p), ""))
        self.remover = remover or remove_plan  # (assistant, plan id) → the reloaded assistant
        self.feedback_limit = RateLimit(FEEDBACK_PER_MINUTE, 60.0)

    # -- data the tabs show ------------------------------------------------------------------

    @property
    def plans(self) -> list:
        return list(self.assistant.plans)

    @property
    def targets(self) -> list:
        return list(getattr(self.assistant, "targets", None) or [])

    @property
    def duties(self) -> list:
        return list(getattr(self.assistant, "duties", None) or [])

    def plan_choices(self) -> list[tuple[str, str]]:
        return [(p.title, p.id) for p in self.plans]

    def titles(self) -> dict[str, str]:
        return {p.id: p.title for p in self.plans}

    def _file(self, name: str) -> Path:
        folder = Path(tempfile.mkdtemp(dir=self.out_dir))
        return folder / name

    # -- 问答 ------------------------------------------------------------------------------------

    @staticmethod
    def no_draft():
        """Reply box, warning and downloads emptied: a draft belongs to the answer it was made from."""
        off = gr.DownloadButton(value=None, interactive=False)
        return "", "", off, gr.DownloadButton(value=None, interactive=False)

    @staticmethod
    def undo_button(state: dict | None) -> gr.Button:
        """The "answer my own words" button: shown only while the last turn is a rewritten follow-up."""
        return gr.Button(visible=bool((state or {}).get("original")))

    def _turn(self, state: dict, shown: str, question: str, plan_ids: list[str] | None) -> str:
        """Append one turn (the user's message as ``shown``, the answer to ``question``) to ``state``; the
        sources panel of that answer."""
        try:
            answer = self.assistant.ask(question, list(plan_ids or []) or None)
        except QuestionError as exc:
            reply, answer, sources = f"{MARK_WARN} {escape_md(str(exc))}", None, render_sources(None, {})
        else:
            reply, sources = render_answer(answer), render_sources(answer, self.assistant.texts, self.titles())
            state["question"] = question
        state["messages"] = [*state["messages"], {"role": "user", "content": shown},
                             {"role": "assistant", "content": reply}]
        state["answer"] = answer
        return sources

    def ask(self, text: str, plan_ids: list[str] | None, state: dict | None):
        """Answer one chat turn (resolve a follow-up, ask, render answer and sources) and drop the previous
        answer's reply draft, so it can never be read or downloaded under the new answer. A rewritten turn
        keeps the user's own words (``state["original"]``) so the rewrite can be undone."""
        state = dict(state or new_session())
        text = (text or "").strip()
        if not text:
            return gr.update(), state["messages"], gr.update(), state, *(gr.update(),) * 5
        question = follow_up(state.get("question"), text, self.plans)
        shown = escape_md(text)
        if question != text:
            shown += f"\n\n*（按上一问理解为：{escape_md(question)}）*"
        state["original"] = text if question != text else None
        sources = self._turn(state, shown, question, plan_ids)
        return "", state["messages"], sources, state, *self.no_draft(), self.undo_button(state)

    def undo_rewrite(self, state: dict | None, plan_ids: list[str] | None):
        """Answer the last turn's own words literally instead of its follow-up rewrite: that turn (question and
        answer) is replaced, and its draft dropped as for any new answer. Nothing to undo: nothing changes."""
        state = dict(state or new_session())
        original = state.get("original")
        if not original or len(state["messages"]) < 2:
            return state["messages"], gr.update(), state, *(gr.update(),) * 4, self.undo_button(None)
        state["messages"], state["original"] = state["messages"][:-2], None
        sources = self._turn(state, escape_md(original), original, plan_ids)
        return state["messages"], sources, state, *self.no_draft(), self.undo_button(state)

    def clear(self):
        state = new_session()
        return state["messages"], render_sources(None, {}), state, *self.no_draft(), self.undo_button(state)

    def api_ask(self, question: str, plans: list[str] | None = None) -> tuple[str, list[dict]]:
        """The named API: answer text and sources (cited passages, or nearest passages flagged ``nearby``)."""
        try:
            answer = self.assistant.ask(question, list(plans or []) or None)
        except QuestionError as exc:
            raise gr.Error(str(exc)) from None
        return answer.text, sources_data(answer)

    # -- 答复口径 -----------------------------------------------------------------------------------

    def draft(self, state: dict | None):
        answer = (state or {}).get("answer")
        if answer is None:
            return ("请先提问，再生成答复口径。", "", gr.DownloadButton(interactive=False),
                    gr.DownloadButton(interactive=False))
        text = draft_reply(answer, self.plans)
        return (text, draft_warning(answer), *self.reply_files(text, state))

    def reply_files(self, text: str, state: dict | None = None):
        """Word and Markdown files of the (possibly edited) draft with the current answer's 出处, as downloads."""
        if not (text or "").strip() or (state or {}).get("answer") is None:
            return gr.DownloadButton(value=None, interactive=False), gr.DownloadButton(value=None, interactive=False)
        sources = reply_sources(state["answer"])
        docx = reply_docx(text, self._file("答复口径.docx"), sources)
        md = reply_md(text, self._file("答复口径.md"), sources)
        return gr.DownloadButton(value=str(docx), interactive=True), gr.DownloadButton(value=str(md), interactive=True)

    # -- 反馈 ------------------------------------------------------------------------------------

    def feedback(self, rating: str, comment: str, state: dict | None, client: str = "local"):
        answer = (state or {}).get("answer")
        if answer is None:
            return "请先提问，再评价答案。", comment
        if not self.feedback_limit.allow(client):
            return f"反馈过于频繁（每分钟最多 {FEEDBACK_PER_MINUTE} 条），请稍后再试。", comment
        try:
            record_feedback(self.feedback_path, rating, comment, answer)
        except FeedbackRefused as exc:
            return f"{MARK_WARN} {exc}", comment
        return ("已记录：有帮助。" if rating == "up" else "已记录：没有帮助。") + "谢谢反馈！", ""

    # -- 指标 ------------------------------------------------------------------------------------

    def _table(self, rows: list, headers: list[str], name: str) -> tuple[pd.DataFrame, Path]:
        return frame(rows, headers), write_csv(headers, rows, self._file(name))

    def targets_data(self, plan: str | None, query: str) -> tuple[pd.DataFrame, Path]:
        return self._table(targets_table(self.targets, self.plans, plan or None, query or ""), TARGET_HEADERS, "指标.csv")

    def same_data(self, query: str) -> tuple[pd.DataFrame, Path]:
        return self._table(same_indicator(self.targets, self.plans, query or ""), SAME_HEADERS, "指标对比.csv")

    def unit_data(self, unit: str | None) -> tuple[pd.DataFrame, Path]:
        rows = duties_for_unit(self.duties, self.plans, unit or "", unit_matcher())
        return self._table(rows, DUTY_HEADERS, "分工.csv")

    @staticmethod
    def _with_download(data: tuple[pd.DataFrame, Path]):
        """Table, its CSV download, its row count, and the passage panel emptied (a new table, no selection)."""
        df, path = data
        return (df, gr.DownloadButton(value=str(path), interactive=not df.empty), count_text(len(df)),
                passages_html([], {}))

    def _passages(self, rows: list, found: list, evt: gr.SelectData | None) -> str:
        """The source passages of the selected table row (``found[i]`` are the passages of ``rows[i]``)."""
        i = pick_row(rows, getattr(evt, "index", None), getattr(evt, "row_value", None))
        return passages_html(found[i] if i is not None else [], self.assistant.texts)

    def targets_view(self, plan: str | None, query: str):
        return self._with_download(self.targets_data(plan, query))

    def targets_source(self, plan: str | None, query: str, evt: gr.SelectData):
        picked = target_rows(self.targets, self.plans, plan or None, query or "")
        titles = self.titles()
        return self._passages([target_row(r, titles) for r in picked],
                              [target_passages(r, self.plans) for r in picked], evt)

    def same_view(self, query: str):
        return self._with_download(self.same_data(query))

    def same_source(self, query: str, evt: gr.SelectData):
        picked = same_rows(self.targets, self.plans, query or "")
        return self._passages(same_indicator(self.targets, self.plans, query or ""),
                              [target_passages(r, self.plans) for r in picked], evt)

    # -- 分工 ------------------------------------------------------------------------------------

    def units(self) -> list[str]:
        return all_units(self.duties)

    def tasks(self) -> list[tuple[str, str]]:
        return task_choices(self.duties, self.plans)

    def unit_view(self, unit: str | None):
        return self._with_download(self.unit_data(unit))

    def unit_source(self, unit: str | None, evt: gr.SelectData):
        picked = duty_rows(self.duties, self.plans, unit or "", unit_matcher())
        titles = self.titles()
        return self._passages([duty_row(d, roles, titles) for d, roles in picked],
                              [duty_passages(d, self.plans) for d, _ in picked], evt)

    def task_view(self, key: str | None):
        """The units of one task with their roles, the row count, and the passage that assigns them."""
        duties = self.duties
        try:
            duty = duties[int(key)]
        except (TypeError, ValueError, IndexError):
            return frame([], TASK_HEADERS), count_text(0), passages_html([], {})
        rows = units_for_task(duty)
        return frame(rows, TASK_HEADERS), count_text(len(rows)), passages_html(duty_passages(duty, self.plans),
                                                                              self.assistant.texts)

    # -- 规划库 -----------------------------------------------------------------------------------

    def plans_view(self) -> pd.DataFrame:
        return frame(plans_table(self.plans, self.assistant.chunks), PLAN_HEADERS)

    def pick_plan(self, evt: gr.SelectData):
        """A click on a row of the plans table chooses that plan for removal."""
        plans = self.plans
        rows = plans_table(plans, self.assistant.chunks)
        i = pick_row(rows, getattr(evt, "index", None), getattr(evt, "row_value", None))
        return plans[i].id if i is not None else gr.update()

    def refresh(self, query: str, same_query: str, unit: str | None):
        """Every list and table that names plans, after the library changed, in the order of
        ``ui.app.REFRESHED``: plans table and count; chat scope; 指标 plan, table (all plans), CSV, count,
        passage; 同一指标 table, CSV, count, passage; 分工 unit, table, CSV, count, passage; task picker
        (its keys are positions, so it starts again at the first task), table, count, passage; the removal
        picker."""
        choices = self.plan_choices()
        units = self.units()
        unit = unit if unit in units else (units[0] if units else None)
        tasks = self.tasks()
        task = tasks[0][1] if tasks else None
        plans = self.plans_view()
        return (plans, count_text(len(plans)), gr.CheckboxGroup(choices=choices, value=[]),
                gr.Dropdown(choices=[("全部规划", ""), *choices], value=""), *self.targets_view("", query),
                *self.same_view(same_query), gr.Dropdown(choices=units, value=unit), *self.unit_view(unit),
                gr.Dropdown(choices=tasks, value=task), *self.task_view(task), gr.Dropdown(choices=choices, value=None))

    def add_plan(self, path: str | None, query: str = "", same_query: str = "", unit: str | None = None,
                 progress=gr.Progress()):  # noqa: B008 (gradio injects progress)
        """Validate an uploaded plan, add it to the index, and search it from now on (no restart)."""
        unchanged = (gr.update(),) * REFRESH_COUNT
        progress(0.05, desc="检查文件")
        problem = check_upload(path)
        if problem:
            log.warning("upload refused: %s: %s", one_line(Path(path).name if path else "-"), one_line(problem))
            return (f"{MARK_FAIL} {problem}", *unchanged)
        progress(0.2, desc="解析、切分并建立索引（可能需要几分钟）")
        try:
            with self._swap:
                self.assistant, report = self.adder(self.assistant, path)
        except Exception as exc:  # the indexer's errors are many kinds; the user needs the message
            if isinstance(exc, USER_ERRORS):
                log.warning("upload failed: %s: %s", one_line(Path(path).name), one_line(exc))
            else:
                log.exception("upload failed: %s", one_line(Path(path).name))
            return (f"{MARK_FAIL} 添加失败：{escape_md(str(exc))}", *unchanged)
        progress(1.0, desc="完成")
        detail = f"\n\n`{escape_md(report)}`" if report else ""
        return (f"{MARK_OK} 已添加：{escape_md(Path(path).name)}。现有 {len(self.plans)} 份规划。{detail}",
                *self.refresh(query, same_query, unit))

    # -- 删除规划（两步：删除 → 确认删除《标题》） -----------------------------------------------------

    @staticmethod
    def _confirm(visible: bool, label: str = "确认删除"):
        return gr.Button(value=label, visible=visible), gr.Button(visible=visible)

    def ask_remove(self, plan_id: str | None):
        """First step: name the plan on a confirm button (and show 取消); nothing is written yet."""
        title = self.titles().get(plan_id or "")
        if title is None:
            return None, *self._confirm(False), "请先选择要删除的规划。"
        return plan_id, *self._confirm(True, f"确认删除《{title}》"), f"将从规划库删除《{escape_md(title)}》，请确认。"

    def cancel_remove(self):
        return None, *self._confirm(False), "已取消删除。"

    def remove_plan(self, plan_id: str | None, query: str = "", same_query: str = "", unit: str | None = None):
        """Second step: remove the plan confirmed in the first (by id, whatever the picker shows now) through
        the index's own removal, swap in the reloaded assistant, and refresh every plan list."""
        hide = (None, *self._confirm(False))
        title = self.titles().get(plan_id or "")
        if title is None:
            return (*hide, "没有待删除的规划（可能已被删除）。", *(gr.update(),) * REFRESH_COUNT)
        try:
            with self._swap:
                self.assistant = self.remover(self.assistant, plan_id)
        except Exception as exc:  # the index writer's errors are many kinds; the user needs the message
            if isinstance(exc, USER_ERRORS):
                log.warning("removal failed: %s: %s", one_line(plan_id), one_line(exc))
            else:
                log.exception("removal failed: %s", one_line(plan_id))
            return (*hide, f"{MARK_FAIL} 删除失败：{escape_md(str(exc))}", *(gr.update(),) * REFRESH_COUNT)
        return (*hide, f"{MARK_OK} 已删除《{escape_md(title)}》。现有 {len(self.plans)} 份规划。",
                *self.refresh(query, same_query, unit))

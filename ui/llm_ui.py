"""The LLM mode in the web UI: a toggle (only when an endpoint is configured), the rewrite streamed into
the chat, then the verified text with its status, and the dropped sentences under a fold for staff.

The extractive answer comes first, from ``Handlers.ask`` (which calls assistant.ask); the rewrite is a
second, chained event so a slow LLM never holds the queue the encoder needs.
"""

from __future__ import annotations

import html
from types import SimpleNamespace

import gradio as gr

from assistant.llm import ANSWER, REPLY, Rewrite, Writer, rewrite_steps

from .render import MARK_OK, MARK_WARN, escape_md, render_answer
from .reply import draft_reply

TOGGLE_LABEL = "大模型润色（逐句核验，不一致的句子会被删除）"
STREAMING_NOTE = "*大模型改写中，尚未核验……*"
DROPPED_SUMMARY = "未通过核验、已删除的句子（{n}，供工作人员查看）"


def render_streaming(text: str) -> str:
    """The partial rewrite while it streams, labelled as not yet verified."""
    return f"{STREAMING_NOTE}\n\n{escape_md(text)}"


def render_dropped(rw: Rewrite) -> str:
    """The dropped sentences and why, folded (HTML escaped: the LLM's text is untrusted)."""
    if not rw.dropped:
        return ""
    items = "".join(f"<li>{html.escape(d.text)} —— {html.escape(d.reason)}</li>" for d in rw.dropped)
    return f"<details><summary>{DROPPED_SUMMARY.format(n=len(rw.dropped))}</summary><ul>{items}</ul></details>"


def render_rewrite(rw: Rewrite, citations: tuple = ()) -> str:
    """Chat message for a finished rewrite: the text ([n] as superscripts, numbered as the sources panel
    numbers the answer's ``citations``), its status, the fold."""
    body = render_answer(SimpleNamespace(text=rw.text, abstained=False, citations=citations))
    mark = MARK_OK if rw.verified else MARK_WARN
    parts = [body, "", f"{mark} *{escape_md(rw.status)}*"]
    fold = render_dropped(rw)
    if fold:
        parts += ["", fold]
    return "\n".join(parts)


def render_reply_status(rw: Rewrite) -> str:
    """Status line under the reply draft."""
    mark = MARK_OK if rw.verified else MARK_WARN
    return "\n\n".join(p for p in (f"{mark} {escape_md(rw.status)}", render_dropped(rw)) if p)


class LLMHandlers:
    """Callbacks of the LLM mode, next to the ordinary ``Handlers`` (whose answers they rewrite)."""

    def __init__(self, handlers, writer: Writer):
        self.h = handlers
        self.writer = writer

    @staticmethod
    def toggle() -> gr.Checkbox:
        """The switch between the extractive answer and the verified LLM rewrite (off by default)."""
        return gr.Checkbox(label=TOGGLE_LABEL, value=False, elem_id="use-llm")

    @staticmethod
    def reply_status() -> gr.Markdown:
        """The reply draft's verification status, under the draft."""
        return gr.Markdown(elem_id="llm-status")

    def polish(self, state: dict | None, use_llm: bool):
        """Rewrite the answer the last turn gave, streaming; yields (chat messages, state)."""
        state = dict(state or {})
        messages = list(state.get("messages") or [])
        answer = state.get("answer")
        fresh = bool(messages) and answer is not None and messages[-1].get("content") == render_answer(answer)
        if not (use_llm and fresh) or answer.abstained:  # an abstention is never turned into an answer
            yield gr.update(), state
            return
        for step in rewrite_steps(self.writer, answer, ANSWER):
            shown = render_rewrite(step, answer.citations) if isinstance(step, Rewrite) else render_streaming(step)
            messages = [*messages[:-1], {"role": "assistant", "content": shown}]
            if isinstance(step, Rewrite):
                state["rewrite"] = step
            state["messages"] = messages
            yield messages, state

    def draft(self, state: dict | None, use_llm: bool):
        """The reply draft, written by the LLM when the toggle is on; yields (reply, docx, md, status)."""
        answer = (state or {}).get("answer")
        if not use_llm or answer is None or answer.abstained:
            yield (*self.h.draft(state), "")
            return
        base = draft_reply(answer, self.h.plans)
        lines = base.splitlines()
        off = gr.DownloadButton(interactive=False)
        for step in rewrite_steps(self.writer, answer, REPLY, fallback=base):
            if not isinstance(step, Rewrite):
                yield step, off, off, STREAMING_NOTE
                continue
            text = "\n".join([lines[0], step.text, lines[-1]]) if step.verified else base
            yield (text, *self.h.reply_files(text), render_reply_status(step))

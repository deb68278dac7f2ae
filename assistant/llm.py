"""Optional LLM mode: an OpenAI-compatible endpoint (vLLM, Ollama, Xinference …) rewrites a verified answer.

Off by default; the assistant is fully offline without it. The LLM only ever sees the question, the
verified answer lines and the cited passages, and its text is checked sentence by sentence
(``llm_verify``): anything it changed or invented is dropped, and when what is left no longer answers,
the extractive answer is shown with a note. An abstention is never sent to the LLM. Timeouts, endpoint
errors and refusals fall back to the extractive answer.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from .answer import Answer
from .llm_verify import MARKER, THINK, Checked, cited, verify

ANSWER, REPLY = "answer", "reply"
LLM_MODEL_ID = "plan-assistant-llm"  # the API's name for "the assistant, written by the LLM"
FALLBACK_NOTE = "（大模型改写未通过核验，以下为规划原文摘录答案。）"
ERROR_NOTE = "（大模型服务不可用，以下为规划原文摘录答案。）"

SYSTEM = {
    ANSWER: (
        "你是政府规划问答助手。只根据用户给出的“已核实的答案”和“引用原文”作答，把答案改写成通顺、简洁的中文。\n"
        "规则：1. 每一句话末尾标注所依据原文的编号，如 [1]；没有依据的话不要写。"
        "2. 数字、单位、年份、百分比、部门和单位名称必须与原文完全一致，不得换算、取整或改写。"
        "3. 不得添加原文没有的部门、单位、数字或措施。4. 引号中的文字必须逐字摘自原文。"
        "5. 不要写开场白或总结，不要列出处。"
    ),
    REPLY: (
        "你是政府部门工作人员，要根据规划原文起草答复群众咨询的“答复口径”正文。只根据用户给出的“已核实的答案”和“引用原文”写作，"
        "语气正式、简洁，用《规划标题》指明依据。\n"
        "规则：1. 每一句话末尾标注所依据原文的编号，如 [1]。2. 数字、单位、年份、百分比、部门和单位名称必须与原文完全一致。"
        "3. 不得添加原文没有的内容。4. 引号中的文字必须逐字摘自原文。5. 不要写称呼、问候语和结束语。"
    ),
}


class LLMFailure(RuntimeError):
    """The endpoint timed out, failed, or refused: the caller shows the extractive answer instead."""


@dataclass(frozen=True)
class Rewrite:
    """What the LLM mode shows: ``text`` is the verified rewrite, or the extractive answer with a note."""

    text: str
    verified: bool
    status: str
    kept: tuple[Checked, ...] = ()
    dropped: tuple[Checked, ...] = ()
    raw: str = ""
    timings: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        return {"text": self.text, "verified": self.verified, "status": self.status, "raw": self.raw,
                "kept": [k.text for k in self.kept],
                "dropped": [{"sentence": d.text, "reason": d.reason} for d in self.dropped]}


def messages(answer: Answer, task: str = ANSWER) -> list[dict]:
    """The chat the LLM receives: the question, the verified answer lines and the numbered cited passages."""
    claims = [ln for ln in answer.text.splitlines() if ln.strip() and not ln.startswith(("出处：", "Sources:"))]
    passages = [f"[{c.n}] 《{c.title}》{(' › ' + c.section) if c.section else ''}\n{c.quote.strip()}"
                for c in cited(answer)]
    user = (f"问题：{answer.question}\n\n已核实的答案：\n" + "\n".join(claims)
            + "\n\n引用原文：\n" + "\n\n".join(passages)
            + ("\n\n请写出答复口径正文。" if task == REPLY else "\n\n请改写答案。"))
    return [{"role": "system", "content": SYSTEM[task]}, {"role": "user", "content": user}]


class Writer:
    """An OpenAI-compatible chat endpoint, called through the maintained ``openai`` client."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60.0):
        from openai import OpenAI

        self.model = model
        self.timeout = timeout
        # Local servers ignore the key, but the client insists on one.
        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=0)

    @classmethod
    def from_settings(cls, settings) -> Writer | None:
        """None unless an endpoint and a model are configured: the LLM mode is off by default."""
        url, model = getattr(settings, "llm_base_url", None), getattr(settings, "llm_model", None)
        if not (url and model):
            return None
        return cls(url, model, getattr(settings, "llm_api_key", None), getattr(settings, "llm_timeout", 60.0))

    def stream(self, chat: list[dict]) -> Iterator[str]:
        """Text deltas as the endpoint produces them; raises LLMFailure on timeout, error or refusal."""
        import openai

        deadline = time.monotonic() + self.timeout
        try:
            chunks = self._client.chat.completions.create(model=self.model, messages=chat, stream=True, temperature=0)
            for chunk in chunks:
                if time.monotonic() > deadline:
                    chunks.close()
                    raise LLMFailure("大模型响应超时")
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                if getattr(choice.delta, "refusal", None) or choice.finish_reason == "content_filter":
                    raise LLMFailure("大模型拒绝回答")
                if choice.delta.content:
                    yield choice.delta.content
        except openai.APITimeoutError as exc:
            raise LLMFailure("大模型响应超时") from exc
        except openai.APIError as exc:
            raise LLMFailure(f"大模型服务出错：{type(exc).__name__}") from exc


def _joined(kept: tuple[Checked, ...], task: str) -> str:
    if task == REPLY:  # a reply is pasted into an official letter: no [n] markers, the plan is named in words
        return "".join(MARKER.sub("", k.text).strip() for k in kept)
    return "\n".join(k.text for k in kept)


def _sources_line(answer: Answer) -> str:
    return next((ln for ln in answer.text.splitlines() if ln.startswith(("出处：", "Sources:"))), "")


def rewrite_steps(writer: Writer, answer: Answer, task: str = ANSWER, fallback: str | None = None) -> Iterator[str | Rewrite]:
    """Ask the LLM to write the answer (or the reply draft): yields the text so far while it streams
    (unverified, for display), then one Rewrite — verified, or the fallback with a note.

    ``fallback`` is what to show when the rewrite is not usable: the extractive answer text by default,
    the extractive reply draft for REPLY.
    """
    fallback = answer.text if fallback is None else fallback
    if answer.abstained or not cited(answer):
        yield Rewrite(fallback, False, "未找到答案时不调用大模型。")
        return
    t0 = time.perf_counter()
    raw = ""
    try:
        for delta in writer.stream(messages(answer, task)):
            raw += delta
            yield THINK.sub("", raw)
    except LLMFailure as exc:
        yield Rewrite(f"{ERROR_NOTE}\n{fallback}", False, f"{exc}，已改用原文摘录答案。", raw=raw,
                      timings={"llm_ms": (time.perf_counter() - t0) * 1000})
        return
    timings = {"llm_ms": (time.perf_counter() - t0) * 1000}
    verdict = verify(raw, answer)
    if not verdict.answers:
        yield Rewrite(f"{FALLBACK_NOTE}\n{fallback}", False,
                      f"大模型改写未通过核验（{verdict.why_not}），已改用原文摘录答案。", verdict.kept, verdict.dropped, raw, timings)
        return
    text = _joined(verdict.kept, task)
    if task == ANSWER and _sources_line(answer):
        text += "\n" + _sources_line(answer)
    status = (f"已逐句核验：{len(verdict.kept)} 句与所引原文一致"
              + (f"，删除 {len(verdict.dropped)} 句未通过核验的内容。" if verdict.dropped else "。"))
    yield Rewrite(text, True, status, verdict.kept, verdict.dropped, raw, timings)


def rewrite(writer: Writer, answer: Answer, task: str = ANSWER, fallback: str | None = None) -> Rewrite:
    """``rewrite_steps`` without the streaming: the final Rewrite."""
    last = deque(rewrite_steps(writer, answer, task, fallback), maxlen=1)[0]
    assert isinstance(last, Rewrite)
    return last

"""HTTP API on the UI's server: ``POST /api/ask`` and an OpenAI-compatible ``/v1`` (models, chat completions)
so Dify, Open WebUI or any OpenAI client can use the assistant as a model.

Login: when the UI has a user and password, every API call needs them, as HTTP Basic
(``-u user:password``) or as a bearer token ``user:password`` (what OpenAI clients send as the API key).
Routes are handed to Gradio's FastAPI app through ``launch(app_kwargs={"routes": ...})``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.core import QuestionError
from assistant.llm import LLM_MODEL_ID, Writer, rewrite

from .dialog import follow_up
from .render import sources_data

MODEL_ID = "plan-assistant"  # the extractive assistant; LLM_MODEL_ID when an LLM endpoint is configured
STREAM_CHARS = 24  # size of the SSE content pieces of an already verified answer


def answer_dict(answer) -> dict:
    """The Answer's fields as JSON, plus ``sources`` (each citation's answering sentences and whether cited)."""
    out = asdict(answer)
    out["citations"], out["nearby"] = list(out["citations"]), list(out["nearby"])
    out["sources"] = sources_data(answer)
    return out


def _check_login(header: str, auth: tuple[str, str]) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    user, sep, password = value.strip().partition(":")
    return bool(sep) and secrets.compare_digest(user.encode(), auth[0].encode()) \
        and secrets.compare_digest(password.encode(), auth[1].encode())


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status_code=status)


def _text(content) -> str:
    """A chat message's text: a string, or OpenAI content parts [{"type": "text", "text": …}]."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return str(content or "")


def _question(messages: list[dict], plans: list) -> str:
    """The last user message, read as a follow-up of the one before it (“那青川县呢？”)."""
    said = [_text(m.get("content")).strip() for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    said = [s for s in said if s]
    if not said:
        raise QuestionError("没有用户消息 / no user message")
    return follow_up(said[-2], said[-1], plans) if len(said) > 1 else said[-1]


def _chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _sse(cid: str, created: int, model: str, text: str) -> Iterator[str]:
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""})
    for i in range(0, len(text), STREAM_CHARS):
        yield _chunk(cid, created, model, {"content": text[i:i + STREAM_CHARS]})
    yield _chunk(cid, created, model, {}, "stop")
    yield "data: [DONE]\n\n"


def api_routes(get_assistant: Callable[[], object], writer: Writer | None = None,
               auth: tuple[str, str] | None = None) -> list:
    """The API's routes, bound to the current assistant (``get_assistant``: it is swapped when plans are added)."""
    auth = auth if auth and all(auth) else None
    lock = threading.Lock()  # one question at a time through the encoder, as the UI's queue does

    def login(request: Request) -> None:
        if auth and not _check_login(request.headers.get("authorization", ""), auth):
            raise HTTPException(401, "login required: HTTP Basic user:password, or Bearer user:password",
                                headers={"WWW-Authenticate": 'Basic realm="plan-assistant"'})

    def ask(question: str, plans) -> object:
        with lock:
            return get_assistant().ask(question, list(plans or []) or None)

    def models() -> list[str]:
        return [MODEL_ID, *([LLM_MODEL_ID] if writer else [])]

    router = APIRouter(dependencies=[Depends(login)])

    @router.post("/api/ask")
    def api_ask(body: dict = Body(...)):  # noqa: B008 (FastAPI's way to take a JSON body)
        """JSON in: question, plans (optional list of plan ids / names), llm (optional bool). Out: the Answer."""
        question = body.get("question")
        if not isinstance(question, str):
            return _error(422, "question must be a string")
        try:
            answer = ask(question, body.get("plans"))
        except (QuestionError, LookupError) as exc:
            return _error(400, str(exc))
        out = answer_dict(answer)
        if body.get("llm"):
            out["llm"] = rewrite(writer, answer).as_dict() if writer else None
        return out

    @router.get("/v1/models")
    def list_models():
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "plan-assistant"}
                                           for m in models()]}

    @router.post("/v1/chat/completions")
    def chat(body: dict = Body(...)):  # noqa: B008
        """OpenAI chat completions. Extra field ``plans`` limits the plans. With the LLM model the answer is
        verified before anything is sent, so a stream carries only checked text."""
        model = body.get("model") or MODEL_ID
        if model not in models():
            return _error(404, f"model {model!r} not found; available: {', '.join(models())}", "model_not_found")
        try:
            assistant = get_assistant()
            question = _question(list(body.get("messages") or []), assistant.plans)
            answer = ask(question, body.get("plans"))
        except (QuestionError, LookupError) as exc:
            return _error(400, str(exc))
        text = answer.text
        if model == LLM_MODEL_ID:  # an abstention is passed through: rewrite never sends it to the LLM
            text = rewrite(writer, answer).text
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if body.get("stream"):
            return StreamingResponse(_sse(cid, created, model, text), media_type="text/event-stream")
        return {"id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "citations": sources_data(answer), "abstained": answer.abstained}

    return list(router.routes)

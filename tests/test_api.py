"""HTTP API on the real server: POST /api/ask and the OpenAI-compatible /v1, driven with real requests and
the real ``openai`` client, behind the UI's login; the LLM is ``tests/fake_llm.py`` (a local stand-in for
the user's LLM, since none can run here). The index is built from one made-up plan."""

from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import gradio as gr
import openai
import pytest
from click.testing import CliRunner
from fake_llm import FakeLLM

from assistant.llm import LLM_MODEL_ID, Writer
from ui.limits import LoginThrottle

PLAN = """盐边县“十四五”卫生健康事业发展规划

一、发展基础
“十三五”期间，全县卫生健康事业稳步发展，基层医疗卫生服务网络逐步健全，群众看病就医更加便利。

二、发展目标
到2025年，全县居民健康素养水平达到28%，孕产妇系统管理率达到87%，每千人口执业（助理）医师数达到3.2人，每千人口医疗卫生机构床位数达到6.1张。

三、主要任务
（一）完善院前急救体系
建设县急救指挥调度中心，在每个乡镇设置急救站点，急救呼叫满足率达到100%。（牵头部门：县卫生健康局；参与部门：县财政局、县医疗保障局）
（二）加强基层医疗卫生服务能力
每个乡镇卫生院至少配备2名全科医生，村卫生室标准化建设达标率达到95%。（牵头部门：县卫生健康局；参与部门：县人力资源和社会保障局）
"""
AUTH = ("staff", "s3cret")
KEY = "staff:s3cret"
QUESTION = "孕产妇系统管理率要达到多少？"
NONSENSE = "盐边县有几个火星基地？"
FAITHFUL = "按照规划，到2025年全县孕产妇系统管理率要达到87%[1]。"


@pytest.fixture(scope="module")
def small_index(tmp_path_factory) -> Path:
    from assistant.build import build_index
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("llm-api")
    (root / "corpus").mkdir()
    (root / "corpus" / "yanbian-plan.txt").write_text(PLAN, encoding="utf-8")
    build_index(Settings(index_dir=root / "idx", corpus_dir=root / "corpus"), log=lambda m: None)
    return root / "idx"


@pytest.fixture(scope="module")
def fake():
    with FakeLLM({"faithful": FAITHFUL}) as server:
        yield server


@pytest.fixture(scope="module")
def server(small_index, fake):
    """The real Gradio app with the API routes, as ``launch`` serves it, behind a login."""
    from assistant import Assistant
    from ui.app import build_app, http_api

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = build_app(Assistant.load(small_index), feedback_path=small_index.parent / "fb.jsonl",
                    llm=Writer(fake.url, "faithful", timeout=10))
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, auth=AUTH,
               **http_api(app, AUTH))
    yield f"http://127.0.0.1:{port}"
    app.close()


def post(url: str, body: dict, auth: str | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    if auth:
        req.add_header("authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def client(base: str, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0, timeout=60)


def test_api_ask_returns_the_answer_fields_with_basic_or_bearer_login(server):
    status, out = post(f"{server}/api/ask", {"question": QUESTION}, basic(*AUTH))
    assert status == 200 and not out["abstained"] and "87%" in out["text"]
    assert {"question", "text", "abstained", "citations", "nearby", "plans", "kind", "timings"} <= set(out)
    assert out["citations"][0]["title"] == "盐边县“十四五”卫生健康事业发展规划" and out["sources"][0]["cited"]
    assert post(f"{server}/api/ask", {"question": QUESTION}, f"Bearer {KEY}")[0] == 200


def test_api_refuses_without_the_login(server):
    assert post(f"{server}/api/ask", {"question": QUESTION})[0] == 401
    assert post(f"{server}/api/ask", {"question": QUESTION}, basic("staff", "wrong"))[0] == 401
    assert post(f"{server}/api/ask", {"question": QUESTION}, "Bearer s3cret")[0] == 401
    with pytest.raises(openai.AuthenticationError):
        client(server, "staff:wrong").models.list()


def test_api_ask_bad_input_and_llm_rewrite(server, fake):
    assert post(f"{server}/api/ask", {"question": 3}, basic(*AUTH))[0] == 422
    assert post(f"{server}/api/ask", {"question": "  "}, basic(*AUTH))[0] == 400
    status, out = post(f"{server}/api/ask", {"question": QUESTION, "llm": True}, basic(*AUTH))
    assert status == 200 and out["llm"]["verified"] and out["llm"]["text"].startswith(FAITHFUL)
    before = len(fake.requests)
    status, out = post(f"{server}/api/ask", {"question": NONSENSE, "llm": True}, basic(*AUTH))
    assert out["abstained"] and not out["llm"]["verified"] and len(fake.requests) == before


def test_openai_client_lists_models_and_chats(server):
    c = client(server)
    assert [m.id for m in c.models.list().data] == ["plan-assistant", LLM_MODEL_ID]
    reply = c.chat.completions.create(model="plan-assistant", messages=[{"role": "user", "content": QUESTION}])
    text = reply.choices[0].message.content
    assert "87%" in text and "出处：[1]" in text and reply.choices[0].finish_reason == "stop"
    streamed = c.chat.completions.create(model="plan-assistant", stream=True,
                                         messages=[{"role": "user", "content": QUESTION}])
    assert "".join(ch.choices[0].delta.content or "" for ch in streamed if ch.choices) == text


def test_openai_client_gets_the_verified_llm_answer_and_abstentions_stay(server, fake):
    c = client(server)
    text = c.chat.completions.create(model=LLM_MODEL_ID, messages=[{"role": "user", "content": QUESTION}]) \
        .choices[0].message.content
    assert text.startswith(FAITHFUL) and "出处：[1]" in text
    before = len(fake.requests)
    none = c.chat.completions.create(model=LLM_MODEL_ID, stream=True, messages=[{"role": "user", "content": NONSENSE}])
    said = "".join(ch.choices[0].delta.content or "" for ch in none if ch.choices)
    assert said.startswith("未在所选规划中找到相关内容") and len(fake.requests) == before
    with pytest.raises(openai.NotFoundError):
        c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.BadRequestError):
        c.chat.completions.create(model="plan-assistant", messages=[{"role": "system", "content": "hi"}])


def test_toggle_only_when_an_endpoint_is_configured(small_index, fake):
    from assistant import Assistant
    from ui.app import build_app

    def ids(app) -> set:
        return {getattr(b, "elem_id", None) for b in app.blocks.values()}

    assistant = Assistant.load(small_index)
    assert "use-llm" not in ids(build_app(assistant, warm=False))
    assert "use-llm" in ids(build_app(assistant, warm=False, llm=Writer(fake.url, "faithful")))


def test_launch_serves_the_api_under_the_same_login(monkeypatch):
    import ui.app

    seen = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: seen.update(kw))
    stub = type("Stub", (), {"plans": [], "targets": [], "duties": [], "chunks": [], "texts": {},
                             "ask": lambda self, q, plans=None: None})()
    ui.app.launch(stub, port=7999, auth=AUTH)
    paths = {r.path for r in seen["app_kwargs"]["routes"]}
    assert {"/api/ask", "/v1/models", "/v1/chat/completions"} <= paths and isinstance(seen["auth"], LoginThrottle) and seen["auth"](*AUTH)


def test_serve_reads_the_llm_settings_at_the_edge(small_index, monkeypatch):
    import ui.app
    from assistant.cli import cli

    got = {}
    monkeypatch.setattr(ui.app, "launch", lambda assistant, **kw: got.update(settings=assistant.settings))
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "ASSISTANT_LLM_MODEL": "qwen2.5-7b-instruct",
           "OPENAI_API_KEY": "k"}
    result = CliRunner().invoke(cli, ["serve", "--index", str(small_index), "--llm-timeout", "5"], env=env)
    assert result.exit_code == 0, result.output
    s = got["settings"]
    assert (s.llm_base_url, s.llm_model, s.llm_api_key, s.llm_timeout) == ("http://127.0.0.1:9/v1", "qwen2.5-7b-instruct",
                                                                            "k", 5.0)
    result = CliRunner().invoke(cli, ["serve", "--index", str(small_index)],
                                env={"OPENAI_BASE_URL": None, "ASSISTANT_LLM_MODEL": None, "OPENAI_MODEL": None})
    assert result.exit_code == 0 and got["settings"].llm_base_url is None and got["settings"].llm_model is None


@pytest.fixture(scope="module")
def open_server(small_index, fake):
    """The app without a login, its LLM inventing a department in its second sentence."""
    from assistant import Assistant
    from ui.app import build_app, http_api

    fake.replies["invents-dept"] = f"{FAITHFUL}该项工作由县民政局负责督导[1]。"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = build_app(Assistant.load(small_index), feedback_path=small_index.parent / "fb2.jsonl",
                    llm=Writer(fake.url, "invents-dept", timeout=10))
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **http_api(app))
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.mark.browser
@pytest.mark.slow
def test_browser_toggle_rewrites_with_status_and_fold(open_server):
    from playwright.sync_api import sync_playwright
    from test_ui_browser import ARGS, CHROMIUM

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="zh-CN")
        page.set_default_timeout(30_000)
        page.goto(open_server)
        page.locator("#use-llm input").check()
        page.locator("#question textarea").fill(QUESTION)
        page.locator("#send").click()
        chat = page.locator("#chat")
        chat.get_by_text("已逐句核验", exact=False).first.wait_for()
        text = chat.inner_text()
        assert "按照规划，到2025年全县孕产妇系统管理率要达到87%" in text and "未通过核验、已删除的句子（1" in text
        assert "县民政局负责督导" not in chat.locator(".message-row").last.locator("p").first.inner_text()
        page.locator("#draft").click()
        page.locator("#llm-status").get_by_text("已逐句核验", exact=False).wait_for()
        draft = page.locator("#reply textarea").input_value()
        assert draft.startswith("您好！") and "87%" in draft and "县民政局" not in draft
        browser.close()

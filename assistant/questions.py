"""Is a question worth searching? Markup, format strings and lone characters carry no topic: searching
them returns unrelated passages that look like answers, so they are refused with a message instead.

One rule for every entry point (CLI, batch file, API, web UI): ``Assistant.check_question`` calls it.
"""

from __future__ import annotations

import re

from .search import tokenize

# Text that is code, not words: HTML/XML tags, printf and str.format placeholders, template variables.
_MARKUP = re.compile(r"<[^<>]{0,200}>|%[-+ #0-9.]*[a-zA-Z%]|\{[0-9a-zA-Z_]{0,20}\}|\$\{[^{}]{0,40}\}")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z]")
MIN_CJK_CHARS = 2  # a Chinese content word has at least two characters (单字 are particles or fragments)
MIN_LATIN_LETTERS = 3
MIN_LATIN_WORDS = 2  # one bare English word ("alert", "test") is not a question about a plan


def content_words(question: str) -> list[str]:
    """The question's searchable words once markup is removed: Chinese words of two or more characters
    and English words of three or more letters (stopwords already dropped by the tokenizer)."""
    words = []
    for tok in tokenize(_MARKUP.sub(" ", question)):
        if len(_CJK.findall(tok)) >= MIN_CJK_CHARS or len(_LATIN.findall(tok)) >= MIN_LATIN_LETTERS:
            words.append(tok)
    return words


def question_problem(question: object) -> str | None:
    """None for a question with content to search, else the reason (Chinese / English) it is refused."""
    if not isinstance(question, str):
        return f"问题必须是文字，收到的是 {type(question).__name__} / the question must be text, not {type(question).__name__}"
    words = content_words(question)
    if any(_CJK.search(w) for w in words) or len(words) >= MIN_LATIN_WORDS:
        return None
    return ("问题中没有可检索的实际内容（请用完整的词语描述要查询的内容）/ "
            "the question has no meaningful words to search for; please ask in words")

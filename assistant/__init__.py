"""Cited question answering over Chinese government plans: ``Assistant.load(index).ask(question)``.

Names are imported on first use so that ``assistant --help`` does not load the search stack.
"""

from __future__ import annotations

from importlib import import_module

_WHERE = {"Answer": ".answer", "Citation": ".answer", "Assistant": ".core", "QuestionError": ".core",
          "Settings": ".settings"}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")

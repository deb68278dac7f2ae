"""Cited question answering over Chinese government plans: ``Assistant.load(index).ask(question)``."""

from .answer import Answer, Citation
from .core import Assistant, QuestionError
from .settings import Settings

__all__ = ["Answer", "Assistant", "Citation", "QuestionError", "Settings"]

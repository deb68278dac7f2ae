"""Removing a plan from the 规划库 tab: the same index write as ``assistant remove`` (build.remove_plans:
under the index's write lock, a complete new index folder swapped in), then the index reloaded."""

from __future__ import annotations

from assistant.build import remove_plans
from assistant.store import IndexChanged

RELOAD_ATTEMPTS = 3  # another writer may swap the index in while it loads: load that one whole


def reload(assistant):
    """The assistant of the index as it is now, reusing the encoder already in memory."""
    for attempt in range(RELOAD_ATTEMPTS):
        try:
            return type(assistant).load(settings=assistant.settings, encoder=getattr(assistant, "_encoder", None))
        except IndexChanged:
            if attempt == RELOAD_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def remove_plan(assistant, plan_id: str):
    """Drop one plan from the assistant's index (its vectors reused for the rest); the reloaded assistant."""
    remove_plans(assistant.settings, [plan_id], log=lambda m: None, encoder=getattr(assistant, "_encoder", None))
    return reload(assistant)

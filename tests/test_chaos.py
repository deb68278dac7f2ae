"""The chaos run in its short form (the full run: python -m tests.chaos --kills 50 --corruptions 30)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_short_chaos_run_loses_no_plan_and_serves_no_damaged_index():
    proc = subprocess.run([sys.executable, "-m", "tests.chaos", "--kills", "6", "--corruptions", "16", "--aliases", "1",
                           "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    print("\n" + json.dumps(stats))
    assert stats["kills"] == 6 and stats["crash_points"] >= 4 and stats["corruptions"] == 16
    assert stats["plans_lost"] == stats["damaged_served"] == stats["inconsistent_states"] == 0
    assert stats["unloadable_after_kill"] == stats["alias_plans_lost"] == stats["reader_errors"] == 0
    assert stats["leftovers_after_write"] == 0 and stats["corruptions_detected"] == 16
    assert proc.returncode == 0, proc.stderr[-2000:]

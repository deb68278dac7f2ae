"""Serving limits: how often one client may send feedback, and back-off after failed logins. Kept in
memory (one server process); both are about keeping one client from swamping the others."""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimit:
    """At most ``events`` per ``window_s`` seconds per key (sliding window)."""

    def __init__(self, events: int, window_s: float, clock: Callable[[], float] = time.monotonic):
        self.events, self.window_s, self.clock = events, window_s, clock
        self._seen: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            q = self._seen.setdefault(key, deque())
            while q and now - q[0] >= self.window_s:
                q.popleft()
            if len(q) >= self.events:
                return False
            q.append(now)
            return True


FREE_FAILURES = 5  # failed logins before the back-off starts
BACKOFF_S = 30.0  # first lock-out; doubles with every further failure
MAX_BACKOFF_S = 900.0


class LoginThrottle:
    """The login check given to Gradio: after FREE_FAILURES failures for a user name, every attempt
    (right or wrong) is refused until the back-off has passed; it doubles with each further failure and
    a successful login resets it. Compares in constant time."""

    def __init__(self, user: str, password: str, clock: Callable[[], float] = time.monotonic):
        self._user, self._password, self.clock = user, password, clock
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked_for(self, user: str) -> float:
        """Seconds until ``user`` may try again (0 when not locked out)."""
        return max(0.0, self._until.get(user, 0.0) - self.clock())

    def __call__(self, user: str, password: str) -> bool:
        user = user or ""
        with self._lock:
            if self.locked_for(user) > 0:
                return False
            ok = hmac.compare_digest(user.encode(), self._user.encode()) & hmac.compare_digest(
                (password or "").encode(), self._password.encode())
            if ok:
                self._failures.pop(user, None)
                self._until.pop(user, None)
                return True
            n = self._failures[user] = self._failures.get(user, 0) + 1
            if n >= FREE_FAILURES:
                self._until[user] = self.clock() + min(MAX_BACKOFF_S, BACKOFF_S * 2 ** (n - FREE_FAILURES))
            return False

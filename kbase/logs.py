"""Logging filters."""

from __future__ import annotations

import logging
import time


class OncePerInterval(logging.Filter):
    """Let one record through per ``seconds`` for each logger and message: a failing dependency is said once."""

    def __init__(self, seconds: float = 60):
        super().__init__()
        self.seconds = seconds
        self.last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        if now - self.last.get(key, -self.seconds) < self.seconds:
            return False
        self.last[key] = now
        return True

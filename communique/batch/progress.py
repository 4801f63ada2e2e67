"""The progress line of a batch run on stderr: rows, rows/s, share of the input read, time left."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    """A one-line progress display on stderr: rows, rows/s, share of input read, time left."""

    def __init__(self, enabled: bool, total_bytes: int | None):
        self.enabled = enabled
        self.total = total_bytes
        self.started = time.perf_counter()
        self.last = 0.0

    def update(self, rows: int, bytes_read: int, final: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or (not final and now - self.last < 0.2):
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        text = f"\r{rows:,} rows  {rows / elapsed:,.0f} rows/s"
        if self.total:
            share = min(bytes_read / self.total, 1.0)
            remaining = elapsed * (1 - share) / share if share > 0 else 0
            text += f"  {share:6.1%}  about {remaining:,.0f} s left"
        sys.stderr.write(text.ljust(70) + ("\n" if final else ""))
        sys.stderr.flush()

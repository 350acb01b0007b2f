"""A dependency-free progress bar on stderr."""

import sys
import time


class Progress:
    """Counts study steps; redraws one line on a terminal, prints lines otherwise.

    Parameters
    ----------
    total : int
        Number of steps announced with :meth:`step`.
    stream : file-like, default=sys.stderr
    enabled : bool, default=True
        ``False`` silences it (``--quiet``).
    """

    width = 28

    def __init__(self, total, stream=None, enabled=True):
        self.total = max(int(total), 1)
        self.done = 0
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()

    def step(self, message):
        """Announce that the next step, described by ``message``, starts."""
        if not self.enabled:
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self.start
        line = f"[{bar}] {self.done}/{self.total} {elapsed:6.1f}s  {message}"
        if self.tty:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.done += 1

    def close(self):
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        bar = "#" * self.width
        end = f"[{bar}] {self.total}/{self.total} {elapsed:6.1f}s  done"
        self.stream.write(("\r\033[K" + end + "\n") if self.tty else end + "\n")
        self.stream.flush()

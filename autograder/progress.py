"""A progress line for batch grading: done/total, a bar, the rate and the estimated time left.

On a terminal the line redraws itself; in a log (CI) each finished item prints one line.
"""
import sys
import time


def duration(seconds):
    """'1:05' for 65 s, '1:02:03' for an hour and more."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Call ``advance(label, note)`` once per finished item; ``close()`` at the end."""

    def __init__(self, total, stream=None, width=28):
        self.total, self.done, self.width = total, 0, width
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()

    def eta(self):
        """Seconds left at the rate so far, or None before the first item."""
        if not self.done:
            return None
        return (time.monotonic() - self.started) / self.done * (self.total - self.done)

    def line(self, label="", note=""):
        filled = int(self.width * self.done / self.total) if self.total else self.width
        eta = self.eta()
        left = "ETA " + (duration(eta) if eta is not None else "?")
        return (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} {left} "
                f"{label} {note}").rstrip()

    def advance(self, label="", note=""):
        self.done += 1
        if self.interactive:
            self.stream.write("\r\033[K" + self.line(label, note))
        else:
            self.stream.write(self.line(label, note) + "\n")
        self.stream.flush()

    def close(self):
        if self.interactive:
            self.stream.write("\n")
        self.stream.write(f"graded {self.done} in {duration(time.monotonic() - self.started)}\n")
        self.stream.flush()

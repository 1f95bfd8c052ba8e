"""Who works when: log the ``time.sleep`` calls of a simulated producer (inside tf.data) and
consumer (the training loop), and draw them as a timeline.

The producer's sleeps are the ones TensorFlow runs for ``tf.py_function``, ``tf.numpy_function``
or ``Dataset.from_generator``; every other sleep counts as the consumer's. Code that imported
``sleep`` by name (``from time import sleep``) is not seen: call ``time.sleep``.
"""
import contextlib
import sys
import time

import matplotlib.pyplot as plt

COLOURS = {"producer": "tab:orange", "consumer": "tab:blue"}


def _called_by_tensorflow():
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.replace("\\", "/").endswith("tensorflow/python/ops/script_ops.py"):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def record_sleeps():
    """Within the block, log every ``time.sleep`` as (role, start, end) in seconds of
    ``time.perf_counter``, role "producer" or "consumer". Yields the list the events go to."""
    events = []
    original = time.sleep

    def logged_sleep(seconds):
        role = "producer" if _called_by_tensorflow() else "consumer"
        start = time.perf_counter()
        original(seconds)
        events.append((role, start, time.perf_counter()))

    time.sleep = logged_sleep
    try:
        yield events
    finally:
        time.sleep = original


def split_runs(events, steps):
    """Split the events of consecutive runs, each of ``steps`` consumer steps, into one list per
    run, with times in seconds from the run's first event."""
    events = sorted(events, key=lambda event: event[1])
    ends = [end for role, _, end in events if role == "consumer"][steps - 1::steps]
    runs, first = [], 0
    for boundary in ends:
        run = [e for e in events[first:] if e[1] < boundary]
        first += len(run)
        if run:
            origin = run[0][1]
            runs.append([(role, start - origin, end - origin) for role, start, end in run])
    return runs


def plot_timeline(runs, titles):
    """Draw each run as two lanes of bars, the producer's work above the consumer's."""
    fig, axes = plt.subplots(len(runs), 1, figsize=(9, 1.55 * len(runs) + 0.6), sharex=True, squeeze=False)
    for ax, run, title in zip(axes[:, 0], runs, titles):
        for lane, role in enumerate(("consumer", "producer")):
            bars = [(start, end - start) for r, start, end in run if r == role]
            ax.broken_barh(bars, (lane - 0.35, 0.7), facecolors=COLOURS[role], edgecolor="white")
        total = max((end for _, _, end in run), default=0.0)
        ax.set_yticks([0, 1], ["consumer\n(accelerator)", "producer\n(CPU, tf.data)"])
        ax.set_title(f"{title}: {total:.2f} s from the first sleep to the last", loc="left", fontsize=10)
        ax.set_ylim(-0.6, 1.6)
    axes[-1, 0].set_xlabel("seconds since the run started")
    fig.tight_layout()
    return fig

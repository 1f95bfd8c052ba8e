"""The class report: one HTML page that shows an instructor which concepts the class is missing.

It reads the ledger of a batch (``record.LedgerEntry``: the results.json of every graded
submission) and draws, with matplotlib:
* the score distribution of each assignment;
* the pass rate of each test, lowest first;
* the most frequent failure messages, grouped by the mistake they name (numbers masked, so the
  same mistake with different values counts once);
* how long each submission took to grade: the wall time of the batch runs (``record.BatchRun``)
  and, apart from it, the worker time each submission took, which parallel workers overlap.
"""
import base64
import html
import io
import json
import re
from collections import Counter, defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .course import ASSIGNMENTS  # noqa: E402
from .record import ClassGradebook  # noqa: E402

NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def mistake_key(message):
    """The message with its numbers masked: the same mistake with other values gives the same key."""
    return NUMBER.sub("#", message).strip()


def load(db_url, course_id):
    """([(student, assignment, results dict, worker seconds)] of the graded submissions, in course
    order; [wall seconds of each batch run that graded some])."""
    with ClassGradebook(db_url, course_id) as book:
        entries = [(e.student, e.assignment, json.loads(e.results), e.seconds or 0.0)
                   for e in book.ledger() if e.status == "graded" and e.results]
        runs = [run.wall_seconds for run in book.runs() if run.graded]
    order = {name: i for i, name in enumerate(ASSIGNMENTS)}
    return sorted(entries, key=lambda e: (order.get(e[1], len(order)), e[0])), runs


def summarise(entries):
    """Per-assignment autograded scores (fractions of the autograded points), per-test pass
    counts and grouped failure messages."""
    scores, tests, failures = defaultdict(list), defaultdict(lambda: [0, 0]), defaultdict(Counter)
    examples = {}
    for student, assignment, results, _ in entries:
        maximum = results["extra_data"]["max_score"] or 1
        scores[assignment].append(sum(test["score"] for test in results["tests"]) / maximum)
        for test in results["tests"]:
            key = (assignment, test["name"])
            tests[key][1] += 1
            if test["status"] == "passed":
                tests[key][0] += 1
            else:
                mistake = mistake_key(test["output"])
                failures[key][mistake] += 1
                examples.setdefault((key, mistake), test["output"])
    return scores, tests, failures, examples


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def score_figure(scores):
    """One histogram per assignment: how many submissions (whole counts) scored how much."""
    figure, axes = plt.subplots(1, len(scores), figsize=(3.2 * len(scores), 2.6), squeeze=False)
    for ax, (assignment, values) in zip(axes[0], scores.items()):
        ax.hist([100 * v for v in values], bins=10, range=(0, 100), color="#4c72b0")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{assignment} (n={len(values)})", fontsize=9)
        ax.set_xlabel("score (% of autograded points)")
    axes[0][0].set_ylabel("submissions")
    return figure


def pass_rates(tests):
    items = sorted(tests.items(), key=lambda item: item[1][0] / item[1][1])
    figure, ax = plt.subplots(figsize=(7, 0.28 * len(items) + 1))
    ax.barh([f"{a}: {t}" for (a, t), _ in items], [100 * p / n for _, (p, n) in items], color="#55a868")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions passing (%)")
    ax.tick_params(axis="y", labelsize=8)
    return _png(figure)


def grading_times(entries):
    figure, ax = plt.subplots(figsize=(7, 2.6))
    ax.bar(range(len(entries)), [seconds for *_, seconds in entries], color="#c44e52")
    ax.set_xlabel("submission (in course order)")
    ax.set_ylabel("seconds to grade")
    return _png(figure)


def render(entries, runs=(), title="Class report", top=15):
    """The report page as HTML text; ``runs``: the wall seconds of the batch runs that graded."""
    if not entries:
        return f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1><p>No graded submissions yet.</p>"
    scores, tests, failures, examples = summarise(entries)
    rows = sorted(((count, key, mistake) for key, counter in failures.items() for mistake, count in counter.items()),
                  key=lambda row: (-row[0], row[1]))[:top]
    mistakes = "\n".join(
        f"<tr><td>{count}</td><td>{html.escape(a)}</td><td>{html.escape(t)}</td>"
        f"<td>{html.escape(examples[((a, t), mistake)])}</td></tr>" for count, (a, t), mistake in rows)
    weakest = sorted(tests.items(), key=lambda item: item[1][0] / item[1][1])[:5]
    missing = "".join(f"<li>{html.escape(a)}: <b>{html.escape(t)}</b>, passed by {p} of {n}</li>"
                      for (a, t), (p, n) in weakest if p < n)
    mean = ", ".join(f"{a} {100 * sum(v) / len(v):.0f}%" for a, v in scores.items())
    seconds = [s for *_, s in entries]
    wall = (f"The grade-batch runs took {sum(runs):.0f} s of wall time ({len(runs)} run{'s' * (len(runs) != 1)}); "
            if runs else "")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}} td,th{{padding:3px 8px;vertical-align:top;
border-bottom:1px solid #ddd;font-size:13px}} th{{text-align:left}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{len(entries)} graded submissions. Mean autograded score: {html.escape(mean)}.
{wall}the workers spent {sum(seconds):.0f} s grading them, {sum(seconds) / len(seconds):.1f} s per submission.</p>
<h2>What the class is missing</h2><ul>{missing or "<li>Every test was passed by every submission.</li>"}</ul>
<h2>Scores</h2>{_png(score_figure(scores))}
<h2>Pass rate per test</h2>{pass_rates(tests)}
<h2>Most frequent failures</h2>
<p>Messages that differ only in their numbers are the same mistake and are counted together.</p>
<table><tr><th>submissions</th><th>assignment</th><th>test</th><th>message (one example)</th></tr>
{mistakes or '<tr><td colspan="4">No failures.</td></tr>'}</table>
<h2>Time to grade each submission</h2>{grading_times(entries)}
</body></html>
"""


def write_report(db_url, course_id, path):
    """Write the report for the gradebook at ``db_url`` to ``path``; return the number of submissions."""
    entries, runs = load(db_url, course_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(entries, runs))
    return len(entries)

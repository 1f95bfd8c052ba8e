"""Execute: an nbgrader preprocessor that runs the notebook in the sandbox instead of in-process.

It replaces nbgrader's ``Execute`` in the autograde chain. The notebook nbgrader has sanitised
(test cells restored from the gradebook) is sent to the sandbox with the plans of the hidden
checks and one more cell at the end that records any check the test cells did not record
(a test cell that was moved above its function, say). The hidden inputs are drawn for this
submission (``hidden_inputs.submission_salt``). What comes back is data: only the outputs of
cells whose source is unchanged are copied onto the trusted notebook, bounded in characters
(``output_budget``), and the kernel's records, the runner's observations and the limits it hit
are left in ``resources["autograder"]`` for the check step.
"""
import copy

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from .checks import checks_for
from .hidden_inputs import submission_salt
from .kernel_libraries import visible_entries
from .output_budget import OutputBudget
from .sandbox import run_notebook
from .shortcuts import analyse, names_to_resolve
from .settings import GradingSettings

FINAL_SWEEP = ("from course_utils.grading import record_missing_for_grader\n"
               "record_missing_for_grader(globals())")
OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")
LIMIT_ERROR = "SandboxLimit"


class SandboxedExecute(NbGraderPreprocessor):
    """Run the notebook in the sandbox; keep its outputs, records and limit events."""

    def preprocess(self, nb, resources):
        settings = GradingSettings(parent=self)
        limits = settings.limits()
        assignment = resources["nbgrader"]["assignment"]
        salt = submission_salt(assignment, nb, settings.secret or None)
        checks = checks_for(assignment, salt)
        plans = {test_id: dict(check.plan(), timeout=settings.call_timeout) for test_id, check in checks.items()}
        statements = analyse({i: c.source for i, c in enumerate(nb.cells) if c.cell_type == "code"})
        names, all_names = names_to_resolve(statements)
        resolve = {"names": names, "targets": sorted({name for check in checks.values() for name in check.shortcuts})}
        sent = copy.deepcopy(nb)
        sent.cells.append(nbformat.v4.new_code_cell(FINAL_SWEEP))
        result = run_notebook(sent, plans, limits, visible_entries(assignment), resolve)
        if result.notebook is not None:
            copy_outputs(result.notebook, nb, OutputBudget(settings.max_output_chars, settings.max_cell_output_chars))
        events = [e for e in result.events if _valid_event(e, len(nb.cells))]
        texts = {}
        for event in events:
            texts[event["cell"]] = text = describe_event(event, nb, limits, result)
            nb.cells[event["cell"]].setdefault("outputs", []).append(nbformat.v4.new_output(
                "error", ename=LIMIT_ERROR, evalue=text, traceback=[f"{LIMIT_ERROR}: {text}"]))
        if result.failure and nb.cells:
            first_code = next((c for c in nb.cells if c.cell_type == "code"), None)
            if first_code is not None:
                first_code.outputs.append(nbformat.v4.new_output(
                    "error", ename=LIMIT_ERROR, evalue=f"Grading stopped: {result.failure}.",
                    traceback=[f"{LIMIT_ERROR}: grading stopped: {result.failure}."]))
        resources["autograder"] = {"salt": salt, "records": result.records, "unreadable": result.unreadable,
                                   "observations": result.observations,
                                   "statements": statements,
                                   "resolution": {"resolved": result.resolved, "complete": all_names and result.complete},
                                   "failure": result.failure, "limit_texts": texts}
        return nb, resources


def _valid_event(event, n_cells):
    return isinstance(event.get("cell"), int) and 0 <= event["cell"] < n_cells and isinstance(event.get("kind"), str)


def copy_outputs(executed, trusted, budget):
    """Copy sanitised outputs of each executed cell onto the trusted cell with the same source,
    bounded in characters by ``budget`` (an OutputBudget)."""
    for ran, cell in zip(executed.get("cells", []), trusted.cells):
        if cell.cell_type != "code" or not isinstance(ran, dict) or ran.get("source") != cell.source:
            continue
        cell.outputs = budget.bound([out for out in map(_clean_output, ran.get("outputs") or []) if out is not None])
        count = ran.get("execution_count")
        cell.execution_count = count if isinstance(count, int) else None


def _clean_output(output):
    """A fresh, valid output built from an untrusted one, or None."""
    if not isinstance(output, dict) or output.get("output_type") not in OUTPUT_TYPES:
        return None
    try:
        kind = output["output_type"]
        if kind == "stream":
            name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
            return nbformat.v4.new_output("stream", name=name, text=str(output.get("text", "")))
        if kind == "error":
            return nbformat.v4.new_output("error", ename=str(output.get("ename", "")), evalue=str(output.get("evalue", "")),
                                          traceback=[str(line) for line in output.get("traceback", [])][:200])
        data = {str(k): v for k, v in dict(output.get("data", {})).items() if isinstance(v, (str, dict, list))}
        clean = nbformat.v4.new_output(kind, data=data, metadata=dict(output.get("metadata", {})))
        if kind == "execute_result":
            clean.execution_count = output.get("execution_count") if isinstance(output.get("execution_count"), int) else None
        nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[clean])]))
        return clean
    except (TypeError, ValueError, AttributeError, nbformat.ValidationError):
        return None


def cell_name(nb, index):
    """'cell 12 (sample_beta)' or 'cell 12 ("while True: ...")', counting cells from 1."""
    cell = nb.cells[index]
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    if grade_id:
        return f"cell {index + 1} ({grade_id})"
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f'cell {index + 1} ("{first[:40]}{"…" if len(first) > 40 else ""}")'


def describe_event(event, nb, limits, result):
    """One sentence naming the cell and the limit it hit."""
    where = cell_name(nb, event["cell"])
    kind = event["kind"]
    if kind == "timeout":
        return f"{where} ran past the {limits.cell_timeout:g} s time limit for one cell and was stopped."
    if kind == "unresponsive":
        return (f"{where} ran past the {limits.cell_timeout:g} s time limit for one cell and ignored the interrupt, "
                "so the kernel was restarted and the cells before it were run again.")
    if kind == "died":
        cause = (f"it used more than the {limits.memory_bytes / (1 << 30):g} GiB memory limit" if result.memory_exhausted
                 else "it exited, was killed, or used more memory than allowed")
        return f"The kernel died while running {where} ({cause}); a new kernel ran the cells before it again."
    if kind == "output":
        return f"{where} printed more than {limits.max_cell_output_bytes:,} bytes; the rest of its output was dropped."
    if kind == "not_run":
        return f"{where} did not run: the notebook as a whole ran past its {limits.notebook_timeout:g} s time limit."
    detail = f" ({event['detail'][:120]})" if isinstance(event.get("detail"), str) else ""
    return f"{where} did not run: no new kernel could be started{detail}."


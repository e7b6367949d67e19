"""Untrusted side of hidden checks: run a submission's answer cells and build artifacts from them.

Runs in its own process (and sandbox, when enabled).  It only *produces* artifacts (saved
models, arrays); the verdicts are computed by the hidden tests in another process that never
executes student code, so nothing defined in a notebook can forge them.

    python probe.py NOTEBOOK PROBE_PLAN OUT_DIR STEP_SECONDS REPORT_FD [SKIP]

Its report is a stream of JSON lines on REPORT_FD, a pipe read by the grader, which builds the
report itself: student code shares this process and may write to the pipe too, but it cannot take
back or rewrite what was sent, and the grader bounds and filters every line.

It imports nothing of the grader package (which the sandbox hides): the hidden checks copy this
file and the assignment's probe_plan.py (third-party imports only) next to the submission.
"""

import importlib.util
import json
import os
import signal
import sys
import traceback
from pathlib import Path

import nbformat


def cells_to_run(notebook) -> list[str]:
    """The setup cells (locked, restored from the source by nbgrader) and the answer cells."""
    sources = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("grade"):
            continue
        if meta.get("solution") or meta.get("grade_id", "").startswith("setup"):
            sources.append(cell.source)
    return sources


class StepTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise StepTimeout("took longer than the grader allows for one step")


def _step(seconds: int, action):
    """Run action with a wall-time limit; student code may loop forever."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        return action()
    finally:
        signal.alarm(0)


def _emit(fd: int, **event) -> None:
    """Sent before and after every step, so a process killed by student code still leaves its record."""
    os.write(fd, (json.dumps(event) + "\n").encode())


def load_plan(path: str):
    spec = importlib.util.spec_from_file_location("probe_plan", path)
    plan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plan)
    return plan


def main(
    notebook_path: str, plan_path: str, out_dir: str, step_seconds: str, report_fd: str, skip: str = ""
) -> int:
    """Skip lists cells (by position) that killed an earlier attempt of this probe."""
    from IPython.core.interactiveshell import InteractiveShell

    out, fd = Path(out_dir), int(report_fd)
    out.mkdir(parents=True, exist_ok=True)
    seconds, skipped = int(step_seconds), {int(i) for i in skip.split(",") if i}
    try:
        shell = InteractiveShell.instance()
        for index, source in enumerate(cells_to_run(nbformat.read(notebook_path, as_version=4))):
            if index in skipped:
                _emit(fd, cell_error=f"cell {index} was skipped: it ended the process that ran it")
                continue
            _emit(fd, running=index)
            try:
                result = _step(seconds, lambda source=source: shell.run_cell(source, silent=True))
                error = None if result.success else (result.error_in_exec or result.error_before_exec)
            except StepTimeout as timeout:
                error = timeout
            if error is not None:
                _emit(fd, cell_error=f"{type(error).__name__}: {error}"[:300])
        _emit(fd, running=None)
        plan = load_plan(plan_path)
        for name, build in plan.ARTIFACTS.items():
            _emit(fd, artifact=name, status="running")
            try:
                _step(seconds, lambda build=build: build(shell.user_ns, out))
                _emit(fd, artifact=name, status="ok")
            except BaseException as error:  # a student's function may raise anything
                _emit(fd, artifact=name, status=f"{type(error).__name__}: {error}"[:500])
        _emit(fd, finished=True)
    except Exception:
        _emit(fd, fatal=traceback.format_exc(limit=3)[-1000:])
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

"""Untrusted side of hidden checks: run a submission's answer cells and build artifacts from them.

Runs in its own process (and sandbox, when enabled).  It only *produces* artifacts (saved
models, arrays); the verdicts are computed by the hidden tests in another process that never
executes student code, so nothing defined in a notebook can forge them.

    python probe.py NOTEBOOK PROBE_PLAN OUT_DIR

It imports nothing of the grader package (which the sandbox hides): the hidden checks copy this
file and the assignment's probe_plan.py (third-party imports only) next to the submission.
"""

import importlib.util
import json
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


def run_cells(sources: list[str]) -> tuple[dict, list[str]]:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    errors = []
    for source in sources:
        result = shell.run_cell(source, silent=True)
        if not result.success:
            error = result.error_in_exec or result.error_before_exec
            errors.append(f"{type(error).__name__}: {error}")
    return shell.user_ns, errors


def load_plan(path: str):
    spec = importlib.util.spec_from_file_location("probe_plan", path)
    plan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plan)
    return plan


def main(notebook_path: str, plan_path: str, out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = {"cell_errors": [], "artifacts": {}}
    try:
        notebook = nbformat.read(notebook_path, as_version=4)
        namespace, report["cell_errors"] = run_cells(cells_to_run(notebook))
        plan = load_plan(plan_path)
        for name, build in plan.ARTIFACTS.items():
            try:
                build(namespace, out)
                report["artifacts"][name] = "ok"
            except BaseException as error:  # a student's function may raise anything
                report["artifacts"][name] = f"{type(error).__name__}: {error}"[:500]
    except Exception:
        report["fatal"] = traceback.format_exc(limit=3)[-1000:]
    (out / "probe.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))

"""Run an assignment's hidden checks on one notebook: the probe, then the hidden pytest suite.

Two processes, so the verdicts never share an interpreter with student code.  The result maps
each graded cell to its checks; failures become short concept messages, never test code.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader import sandbox, settings

SUITES = Path(__file__).resolve().parent / "hidden_tests"
PROBE = Path(__file__).resolve().parent / "probe.py"


@dataclass
class Check:
    title: str
    concept: str
    points: float
    passed: bool
    artifact: str = ""  # what the probe built for this check, named in feedback when it failed


@dataclass
class Verdicts:
    cells: dict[str, list[Check]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # why checks could not judge some work
    artifact_errors: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of the probe and of the judging


def suite_arguments(assignment: str) -> list[str]:
    """pytest arguments that run one assignment's hidden suite on its own, whatever the caller's config."""
    return [
        str(SUITES / assignment),
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--rootdir",
        str(SUITES),
    ]


def has_suite(assignment: str) -> bool:
    return (SUITES / assignment / "probe_plan.py").is_file()


def _environment() -> dict[str, str]:
    env = {**os.environ, **settings.kernel_environment()}
    env.pop("JPY_PARENT_PID", None)
    return env


def _probe_folder(
    notebook, assignment: str, submission_dir: Path, folder: Path, step_seconds: int
) -> list[str]:
    """A fresh folder holding the submission's helper files, the notebook, the probe and its plan."""
    folder.mkdir()
    for helper in Path(submission_dir).glob("*.py"):
        shutil.copy(helper, folder)
    nbformat.write(notebook, folder / "submission.ipynb")
    shutil.copy(PROBE, folder / "_probe.py")
    shutil.copy(SUITES / assignment / "probe_plan.py", folder / "_probe_plan.py")
    return [sys.executable, "_probe.py", "submission.ipynb", "_probe_plan.py", "artifacts", str(step_seconds)]


def _run_probe(argv: list[str], folder: Path, timeout: int, sandboxed: bool) -> dict:
    """Runs the probe; when student code ends the process, runs it again without that cell."""
    report, skipped = {}, []
    for _ in range(3):
        attempt = argv + [",".join(map(str, skipped))]
        if sandboxed:
            sandbox.run_sandboxed(
                sandbox.SandboxPolicy(work_dir=folder), attempt, timeout=timeout, quiet=True
            )
        else:
            subprocess.run(
                attempt,
                cwd=folder,
                env=_environment(),
                timeout=timeout,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        path = folder / "artifacts" / "probe.json"
        report = json.loads(path.read_text()) if path.is_file() else {}
        if report.get("finished") or report.get("running") is None:
            break
        skipped.append(report["running"])
    return report


def run(
    notebook: nbformat.NotebookNode,
    assignment: str,
    submission_dir: Path,
    probe_timeout: int = 300,
    tests_timeout: int = 600,
    sandboxed: bool = True,
    step_seconds: int = 120,
) -> Verdicts:
    verdicts = Verdicts()
    with tempfile.TemporaryDirectory(prefix="hidden-checks-") as tmp:
        probe_dir, results = Path(tmp) / "probe", Path(tmp) / "results.json"
        artifacts = probe_dir / "artifacts"
        probe = _probe_folder(notebook, assignment, submission_dir, probe_dir, step_seconds)
        report, started = {}, time.monotonic()
        try:
            report = _run_probe(probe, probe_dir, probe_timeout, sandboxed)
        except subprocess.TimeoutExpired:
            verdicts.problems.append(
                f"your answer cells did not finish within {probe_timeout} s when run on their own"
            )
        verdicts.artifact_errors = {
            name: "it ended the process that ran it" if status == "running" else status
            for name, status in report.get("artifacts", {}).items()
            if status != "ok"
        }
        verdicts.problems += [f"an answer cell raised {error}" for error in report.get("cell_errors", [])]
        verdicts.seconds["probe"] = round(time.monotonic() - started, 1)
        options = [f"--artifacts={artifacts}", f"--submission-dir={submission_dir}", f"--results={results}"]
        tests = [sys.executable, "-m", "pytest", *suite_arguments(assignment), *options]
        started = time.monotonic()
        try:
            subprocess.run(tests, env=_environment(), timeout=tests_timeout, capture_output=True, check=False)
        except subprocess.TimeoutExpired:
            verdicts.problems.append(f"the hidden checks did not finish within {tests_timeout} s")
        verdicts.seconds["judge"] = round(time.monotonic() - started, 1)
        outcomes = json.loads(results.read_text()) if results.is_file() else []
    for outcome in outcomes:
        check = Check(
            outcome["title"],
            outcome["concept"],
            float(outcome["points"]),
            outcome["passed"],
            outcome.get("artifact", ""),
        )
        verdicts.cells.setdefault(outcome["cell"], []).append(check)
    return verdicts

"""Run an assignment's hidden checks on one notebook: the probe, then the hidden pytest suite.

Two processes, so the verdicts never share an interpreter with student code.  The result maps
each graded cell to its checks; failures become short concept messages, never test code.
"""

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader import settings

SUITES = Path(__file__).resolve().parent / "hidden_tests"


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


def has_suite(assignment: str) -> bool:
    return (SUITES / assignment / "probe_plan.py").is_file()


def _environment() -> dict[str, str]:
    env = {**os.environ, **settings.kernel_environment()}
    env.pop("JPY_PARENT_PID", None)
    return env


def run(
    notebook: nbformat.NotebookNode,
    assignment: str,
    submission_dir: Path,
    probe_timeout: int = 300,
    tests_timeout: int = 600,
) -> Verdicts:
    verdicts = Verdicts()
    with tempfile.TemporaryDirectory(prefix="hidden-checks-") as tmp:
        work = Path(tmp)
        notebook_file, artifacts, results = (
            work / "submission.ipynb",
            work / "artifacts",
            work / "results.json",
        )
        nbformat.write(notebook, notebook_file)
        probe = [sys.executable, "-m", "grader.probe", str(notebook_file), assignment, str(artifacts)]
        try:
            subprocess.run(
                probe,
                cwd=submission_dir,
                env=_environment(),
                timeout=probe_timeout,
                capture_output=True,
                check=False,
            )
        except subprocess.TimeoutExpired:
            verdicts.problems.append(
                f"your answer cells did not finish within {probe_timeout} s when run on their own"
            )
        report_file = artifacts / "probe.json"
        if report_file.is_file():
            report = json.loads(report_file.read_text())
            verdicts.artifact_errors = {k: v for k, v in report["artifacts"].items() if v != "ok"}
            verdicts.problems += [f"an answer cell raised {error}" for error in report["cell_errors"]]
        tests = [
            sys.executable,
            "-m",
            "pytest",
            str(SUITES / assignment),
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--rootdir",
            str(SUITES),
            f"--artifacts={artifacts}",
            f"--submission-dir={submission_dir}",
            f"--results={results}",
        ]
        try:
            subprocess.run(tests, env=_environment(), timeout=tests_timeout, capture_output=True, check=False)
        except subprocess.TimeoutExpired:
            verdicts.problems.append(f"the hidden checks did not finish within {tests_timeout} s")
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

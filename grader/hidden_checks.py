"""Run an assignment's hidden checks on one notebook: the probe, then the hidden pytest suite.

Two processes, so the verdicts never share an interpreter with student code.  The result maps
each graded cell to its checks; failures become short concept messages, never test code.
"""

import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader import safe_files, sandbox, settings, student_text

PROBE = Path(__file__).resolve().parent / "probe.py"
HELPER_LIMIT = 1 << 20  # a helper module the probe imports; bigger is not a helper
JUDGE_MEMORY = 6 << 30  # bytes per judge process: a ResNet-50 and the grader-only photos fit


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
    grader_faults: list[str] = field(default_factory=list)  # the judge could not judge: not a grade
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of the probe and of the judging


class GraderError(RuntimeError):
    """The hidden checks could not judge the submission for a reason of the grader's own (missing
    data, a broken hidden test, a judge that crashed or ran out of time): no grade is recorded."""


def suites() -> Path:
    return settings.hidden_tests_dir()


def suite_settings(assignment: str):
    """The assignment's suite package (its __init__.py: NOTEBOOK_OUTPUTS, JUDGED_FILES)."""
    spec = importlib.util.spec_from_file_location(
        f"hidden_suite_{assignment}", suites() / assignment / "__init__.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def suite_arguments(assignment: str) -> list[str]:
    """pytest arguments that run one assignment's hidden suite on its own, whatever the caller's config."""
    return [
        str(suites() / assignment),
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--rootdir",
        str(suites()),
    ]


def has_suite(assignment: str) -> bool:
    return (suites() / assignment / "probe_plan.py").is_file()


def _environment() -> dict[str, str]:
    env = {**os.environ, **settings.kernel_environment()}
    env.pop("JPY_PARENT_PID", None)
    return env


def _probe_folder(
    notebook, assignment: str, submission_dir: Path, folder: Path, step_seconds: int
) -> list[str]:
    """A fresh folder holding the submission's helper files, the notebook, the probe and its plan."""
    folder.mkdir()
    for helper in sorted(Path(submission_dir).glob("*.py")):
        if safe_files.why_unsafe(helper, HELPER_LIMIT) is None:  # CleanFolder left only plain files
            safe_files.copy(helper, folder / helper.name, HELPER_LIMIT)
    nbformat.write(notebook, folder / "submission.ipynb")
    shutil.copy(PROBE, folder / "_probe.py")
    shutil.copy(suites() / assignment / "probe_plan.py", folder / "_probe_plan.py")
    return [sys.executable, "_probe.py", "submission.ipynb", "_probe_plan.py", "artifacts", str(step_seconds)]


class ProbeReport:
    """The probe's report, built by the grader from the JSON lines the probe sends through a pipe.

    Student code runs in the probe's process and may send lines too: every line is parsed on its
    own, only known fields of bounded size are taken, and all text is bounded and redacted."""

    MAX_BYTES = 1 << 20  # read from the pipe; the rest is drained and dropped

    def __init__(self, redact: student_text.Redactor):
        self.redact = redact
        self.data = {"cell_errors": [], "artifacts": {}, "running": None, "finished": False}

    def take(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        running = event.get("running", "absent")
        if running is None or (isinstance(running, int) and 0 <= running < 10_000):
            self.data["running"] = running
        if isinstance(event.get("cell_error"), str) and len(self.data["cell_errors"]) < 20:
            self.data["cell_errors"].append(self.redact(event["cell_error"]))
        name, status = event.get("artifact"), event.get("status")
        if isinstance(name, str) and isinstance(status, str) and len(name) <= 40 and name.isidentifier():
            self.data["artifacts"][name] = status if status in ("ok", "running") else self.redact(status)
        if event.get("finished") is True:
            self.data["finished"] = True
        if isinstance(event.get("fatal"), str):
            self.data["fatal"] = self.redact(event["fatal"], 1000)

    def read_from(self, fd: int) -> None:
        received = 0
        with os.fdopen(fd, "rb") as pipe:
            for line in pipe:
                received += len(line)
                if received <= self.MAX_BYTES:
                    self.take(line[:10_000])


def _run_probe(argv: list[str], folder: Path, timeout: int, sandboxed: bool, redact) -> dict:
    """Runs the probe; when student code ends the process, runs it again without that cell."""
    report, skipped = ProbeReport(redact), []
    for _ in range(3):
        report = ProbeReport(redact)
        read_end, write_end = os.pipe()
        reader = threading.Thread(target=report.read_from, args=(read_end,), daemon=True)
        reader.start()
        attempt = argv + [str(write_end), ",".join(map(str, skipped))]
        try:
            if sandboxed:
                sandbox.run_sandboxed(
                    sandbox.SandboxPolicy(work_dir=folder),
                    attempt,
                    timeout=timeout,
                    quiet=True,
                    pass_fds=(write_end,),
                )
            else:
                subprocess.run(
                    attempt,
                    cwd=folder,
                    env=sandbox.allowed_environment(_environment()),  # student code runs here
                    timeout=timeout,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                    pass_fds=(write_end,),
                )
        finally:
            os.close(write_end)
            reader.join(10)  # ends at EOF: every writer is gone once the sandbox has ended
        if report.data["finished"] or report.data["running"] is None:
            break
        skipped.append(report.data["running"])
    return report.data


def _judge_folder(folder: Path, artifacts: Path, submission_dir: Path, assignment: str, report: dict):
    """The judge's own copies: artifacts the probe built and the files the suite reads, plain files
    only (student code wrote both), and the probe report as the grader saw it."""
    (folder / "artifacts").mkdir(parents=True)
    (folder / "submission").mkdir()
    for path in sorted(artifacts.iterdir()) if artifacts.is_dir() else []:
        if safe_files.why_unsafe(path) is None:
            safe_files.copy(path, folder / "artifacts" / path.name)
    for name in suite_settings(assignment).JUDGED_FILES:
        if safe_files.why_unsafe(submission_dir / name) is None:
            safe_files.copy(submission_dir / name, folder / "submission" / name)
    (folder / "artifacts" / "probe.json").write_text(json.dumps(report, indent=1))


def judge_policy(folder: Path) -> "sandbox.SandboxPolicy":  # quoted: sandbox imports us
    """The judge never runs student code, but it loads models student code saved: it runs sandboxed
    too, seeing the grader's code and grader-only data read-only, writing only its own folder."""
    trusted = [settings.REPO / "grader", suites(), settings.grader_data_dir()]
    hidden = [p for p in sandbox.default_hidden() if p.resolve() not in {t.resolve() for t in trusted}]
    env = settings.kernel_environment() | {"CASE_STUDIES_GRADER_DATA": str(settings.grader_data_dir())}
    return sandbox.SandboxPolicy(
        work_dir=folder,
        read_only=sandbox.default_read_only() + trusted,
        hidden=hidden,
        memory_bytes=JUDGE_MEMORY,
        env=env,
    )


def _judge(tests: list[str], folder: Path, timeout: int, sandboxed: bool) -> subprocess.CompletedProcess:
    if sandboxed:
        return sandbox.run_sandboxed(judge_policy(folder), tests, timeout=timeout)
    return subprocess.run(
        tests,
        cwd=folder,
        env=_environment(),
        timeout=timeout,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_judge_limits,
    )


def _judge_broke(judged) -> bool:
    """pytest exits 0 when all passed and 1 when some failed; anything else, or no exit, is a break."""
    return judged is None or judged.returncode not in (0, 1)


def _judge_faults(judged, results: Path, timeout: int) -> list[str]:
    """Why the judge itself could not give verdicts: never the submission's fault."""
    if judged is None:
        return [f"the hidden checks did not finish within {timeout} s"]
    if _judge_broke(judged):
        tail = " / ".join((judged.stdout or "").strip().splitlines()[-3:])[-400:]
        return [f"the hidden checks stopped with exit code {judged.returncode}: {tail}"]
    if not results.is_file():
        return ["the hidden checks wrote no verdicts"]
    return [
        f"{o['test']}: {o['grader_fault']}" for o in json.loads(results.read_text()) if "grader_fault" in o
    ]


def _judge_limits() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (JUDGE_MEMORY, JUDGE_MEMORY))


def run(
    notebook: nbformat.NotebookNode,
    assignment: str,
    submission_dir: Path,
    probe_timeout: int = 300,
    tests_timeout: int = 600,
    sandboxed: bool = True,
    step_seconds: int = 120,
    course_root: Path | None = None,
) -> Verdicts:
    verdicts = Verdicts()
    redact = student_text.Redactor(student_text.grader_inputs(suites(), assignment, PROBE, course_root))
    with tempfile.TemporaryDirectory(prefix="hidden-checks-") as tmp:
        probe_dir, judge_dir = Path(tmp) / "probe", Path(tmp) / "judge"
        probe = _probe_folder(notebook, assignment, submission_dir, probe_dir, step_seconds)
        report, started = {}, time.monotonic()
        try:
            report = _run_probe(probe, probe_dir, probe_timeout, sandboxed, redact)
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
        if report.get("fatal"):
            verdicts.problems.append(f"the run of your answer cells stopped: {report['fatal']}")
        verdicts.seconds["probe"] = round(time.monotonic() - started, 1)
        _judge_folder(judge_dir, probe_dir / "artifacts", Path(submission_dir), assignment, report)
        results = judge_dir / "results.json"
        options = [
            f"--artifacts={judge_dir / 'artifacts'}",
            f"--submission-dir={judge_dir / 'submission'}",
            f"--results={results}",
        ]
        tests = [sys.executable, "-m", "pytest", *suite_arguments(assignment), *options]
        started, judged = time.monotonic(), None
        try:
            judged = _judge(tests, judge_dir, tests_timeout, sandboxed)
        except subprocess.TimeoutExpired:
            pass
        verdicts.seconds["judge"] = round(time.monotonic() - started, 1)
        verdicts.grader_faults = _judge_faults(judged, results, tests_timeout)
        # a judge that broke may have written its verdicts before it stopped: none of them is trusted
        trusted = results.is_file() and not _judge_broke(judged)
        outcomes = json.loads(results.read_text()) if trusted else []
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

"""Student code against the grader's host, through the real pipeline (`grader.autograde`, real
nbgrader, real sandbox): the grader's secrets in its environment, its disk, and what a submission
killed at its wall-time limit leaves behind.  The quiz: no training, so a batch takes a minute."""

import json
import tempfile
import threading
import time
from pathlib import Path

import pytest

from grader import autograde, course, hidden_checks, hostile, hostile_resources, sandbox, submissions
from grader.hidden_tests.quiz.variants import VARIANTS

SECRETS = {
    # CASE_STUDIES_GRADEBOOK itself is used by the grader: a variable beside it stands for its URL.
    "CASE_STUDIES_SECRET_DB_URL": "postgresql://grader:S3cret-pw@db/course",
    "CASE_STUDIES_TOKEN": "cs-token-5b1f0e2a9d",
    "JUPYTERHUB_API_TOKEN": "hub-token-77c9d3e1f0",
}
# Set inside the sandbox, never passed: by ipykernel (init_environment), debugpy and bwrap (--chdir).
SET_INSIDE = {"TERM", "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "PAGER", "GIT_PAGER"}
SET_INSIDE |= {"PYDEVD_USE_FRAME_EVAL", "PWD"}
FOLDER_LIMIT_MB = 256
HONEST = {"solution": 32, "half_right": 27}
CGROUP_PARENTS = [sandbox.CGROUP_V1 / ctl / sandbox.CGROUP_GROUP for ctl in sandbox.CONTROLLERS]


def leftover_cgroups() -> set[str]:
    """The per-submission groups `grader autograde` made, in either hierarchy."""
    return {f"{p.name}/{g.name}" for p in CGROUP_PARENTS if p.is_dir() for g in p.glob("submission-*")}


@pytest.fixture(scope="module")
def private_tmp(monkeypatch_module):
    """The scheduler's temp folder, short (kernel sockets live under it) and watched by the tests."""
    folder = Path(tempfile.mkdtemp(prefix="cs-", dir="/tmp"))
    monkeypatch_module.setenv("TMPDIR", str(folder))
    monkeypatch_module.setattr(tempfile, "tempdir", str(folder))
    yield folder
    folder.rmdir()  # fails the teardown if a submission left anything


@pytest.fixture(scope="module")
def graded(released_course, monkeypatch_module, private_tmp):
    for name, value in SECRETS.items():
        monkeypatch_module.setenv(name, value)
    monkeypatch_module.setenv("CASE_STUDIES_FOLDER_LIMIT_MB", str(FOLDER_LIMIT_MB))
    source = course.read(released_course, "source", "quiz")
    release = course.read(released_course, "release", "quiz")
    honest = [v for v in VARIANTS if v.name in HONEST]
    for variant in honest + hostile_resources.VARIANTS:
        course.submit(released_course, "quiz", variant.name, submissions.build(source, release, variant))
    cgroups_before = leftover_cgroups()
    students = [v.name for v in honest + hostile_resources.VARIANTS]
    outcomes = autograde.autograde(released_course, "quiz", students, workers=2, timeout=600, progress=False)
    course.nbgrader(released_course, "generate_feedback", "quiz", "--force")
    return released_course, {o.student: o for o in outcomes}, cgroups_before


def student_files(root: Path, student: str) -> list[Path]:
    folders = [root / "autograded" / student / "quiz", root / "feedback" / student / "quiz"]
    return [p for folder in folders for p in folder.rglob("*") if p.is_file()]


def cell_texts(root: Path, student: str) -> list[str]:
    notebook = course.read(root, "autograded", "quiz", student)
    outputs = [o for c in notebook.cells for o in c.get("outputs", [])]
    return [str(o.get("text", "")) + str(o.get("evalue", "")) for o in outputs]


@pytest.mark.slow
def test_no_secret_of_the_grader_reaches_a_student(graded):
    root, outcomes, _ = graded
    assert outcomes["env_printer"].status == "graded"
    for student in outcomes:
        files = student_files(root, student)
        assert any(p.suffix == ".html" for p in files), f"{student} has feedback"
        for path in files:
            text = path.read_bytes().decode(errors="replace")
            leaked = [name for name, value in SECRETS.items() if value in text or "S3cret" in text]
            assert not leaked, f"{path} shows {leaked}"


def assert_only_allowed(environment: dict[str, str] | None, where: str) -> None:
    assert environment is not None, f"the {where}'s whole environment was printed"
    assert environment["KERAS_HOME"], "the allowed variables do get through"
    assert set(environment) <= sandbox.ENV_ALLOWED | SET_INSIDE, set(environment) - sandbox.ENV_ALLOWED


@pytest.mark.slow
def test_student_code_sees_only_the_allowed_variables(graded):
    root, _, _ = graded
    printed = [line for text in cell_texts(root, "env_printer") for line in text.splitlines()]
    kernel_dump = next(line for line in printed if line.endswith(hostile_resources.ENV_END))
    assert_only_allowed(hostile_resources.parse_dump(kernel_dump), "kernel")
    record = json.loads((root / "autograded" / "env_printer" / "quiz" / "hidden_checks.json").read_text())
    probe_dump = hostile_resources.probe_dump(record["problems"])
    assert_only_allowed(hostile_resources.parse_dump(probe_dump), "probe")
    html = (root / "feedback" / "env_printer" / "quiz" / "Case_Studies_Quiz.html").read_text()
    assert "RuntimeError: env0:" in html, "the probe's errors reach the feedback (the channel tested)"


@pytest.mark.slow
def test_the_unsandboxed_probe_sees_only_the_allowed_variables(released_course, monkeypatch, tmp_path):
    """CASE_STUDIES_SANDBOX=0 hosts: the probe runs as a plain process, with the same allow-list."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    source = course.read(released_course, "source", "quiz")
    release = course.read(released_course, "release", "quiz")
    notebook = submissions.build(source, release, hostile_resources.ENV_PRINTER)
    verdicts = hidden_checks.run(notebook, "quiz", tmp_path, sandboxed=False, step_seconds=15)
    assert not any(value in str(verdicts) for value in SECRETS.values())
    assert_only_allowed(
        hostile_resources.parse_dump(hostile_resources.probe_dump(verdicts.problems)), "probe"
    )


@pytest.mark.slow
def test_a_disk_filler_loses_only_its_own_points(graded):
    root, outcomes, _ = graded
    assert {s: outcomes[s].score for s in HONEST} == HONEST, "honest peers graded right"
    filler = outcomes["disk_filler"]
    assert filler.status == "graded" and "size limit" in filler.reason
    practice = course.max_scores(root, "quiz")["practice_tests"]
    assert filler.score >= 32 - practice, "it loses at most the points of the cell that filled the disk"
    assert any(f"size limit of {FOLDER_LIMIT_MB} MB" in text for text in cell_texts(root, "disk_filler"))
    folder = root / "autograded" / "disk_filler" / "quiz"
    assert sandbox.folder_size([folder]) < FOLDER_LIMIT_MB << 20


@pytest.mark.slow
def test_the_batch_leaves_no_temp_folder_or_cgroup(graded, private_tmp):
    _, _, cgroups_before = graded
    assert list(private_tmp.iterdir()) == []
    assert leftover_cgroups() <= cgroups_before


class Watcher:
    """Records what a running submission holds: its temp entries and its cgroups."""

    def __init__(self, tmp: Path):
        self.tmp, self.seen, self.done = tmp, set(), threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def watch(self) -> None:
        while not self.done.wait(0.2):
            self.seen |= {p.name.split("-")[0] for p in self.tmp.glob("submission-*/tmp/*")}
            self.seen |= {"cgroup"} if leftover_cgroups() else set()

    def stop(self) -> set[str]:
        self.done.set()
        self.thread.join()
        return self.seen


@pytest.mark.slow
def test_a_submission_killed_at_its_time_limit_leaves_nothing_behind(graded, private_tmp):
    """Killed while its looping cell runs in a sandboxed kernel: nbgrader's own cleanups never run."""
    root, _, cgroups_before = graded
    (loop,) = [
        v
        for v in hostile.variants("classic_networks_answers", "practice_answers")
        if v.name == "infinite_loop"
    ]
    source, release = course.read(root, "source", "quiz"), course.read(root, "release", "quiz")
    course.submit(root, "quiz", "killed", submissions.build(source, release, loop))
    watcher = Watcher(private_tmp)
    started = time.monotonic()
    (outcome,) = autograde.autograde(root, "quiz", ["killed"], workers=1, timeout=20, progress=False)
    held = watcher.stop()
    assert outcome.status == "timed out" and time.monotonic() - started < 60
    assert {"sandboxed", "cgroup"} <= held, "it was killed with a kernel running (the case tested)"
    assert list(private_tmp.iterdir()) == [], "no temp folder left"
    assert leftover_cgroups() <= cgroups_before, "no cgroup left"

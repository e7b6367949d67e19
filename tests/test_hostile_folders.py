"""What student code leaves in its folder never reaches outside it (grader.hostile_folder).

Honest peers are graded first; then the hostile submissions, with one more honest student, in one
batch.  Afterwards every file of the course that is not the hostile students' own is byte-identical,
the peers' grades are unchanged, and nothing a student gets back holds the grader's files."""

import hashlib
import html
import os
import stat
from pathlib import Path

import pytest

from grader import (
    autograde,
    course,
    hostile_folder,
    hostile_outputs,
    hostile_resources,
    settings,
    student_text,
    submissions,
)
from grader.hidden_tests.quiz.variants import VARIANTS as QUIZ_VARIANTS
from grader.hidden_tests.transfer_learning.variants import VARIANTS as LAB_VARIANTS

QUIZ, LAB = "quiz", "transfer_learning"
# quiz score of each hostile submission (out of 32), written from what each one answers
EXPECTED = {
    "record_over_peer": 32,
    "record_over_gradebook": 32,
    "notebook_link": 32,
    "key_thief": 0,  # answers nothing itself; the key never reaches the probe
    "html_links": 32,
    "special_files": 32,
    "report_forger": 29,  # its last section (3 questions) is the forger, not answers
    "honest_control": 32,
    "env_printer": 31,  # gets Q04 wrong on purpose, so that its probe errors reach the feedback
    "disk_filler": 29,  # the section that fills the disk is stopped at the folder's size limit
    "script_in_output": 32,
}
SECRETS = {  # in the grader's shell while the batch is graded
    "CASE_STUDIES_SECRET_DB_URL": "postgresql://grader:S3cret-pw@db/course",
    "CASE_STUDIES_TOKEN": "tok-5e5a1c0ffee",
    "JUPYTERHUB_API_TOKEN": "hub-9d8c7b6a",
}
REMOVED = {  # a link or special file each one leaves, named in its feedback
    "record_over_peer": "'hidden_checks.json': a symbolic link",
    "record_over_gradebook": "'hidden_checks.json': a symbolic link",
    "notebook_link": "'Case_Studies_Quiz.ipynb': a symbolic link",
    "key_thief": "'leak_source.py': a symbolic link",
    "html_links": "'solutions.html': a symbolic link",
    "special_files": "'stuck.py': not a regular file",
}
PEERS = [(QUIZ, "solution"), (QUIZ, "half_right"), (LAB, "solution")]


def _variant(variants, name):
    return next(v for v in variants if v.name == name)


def _submit(root, assignment, variant, student=None):
    source, release = course.read(root, "source", assignment), course.read(root, "release", assignment)
    course.submit(root, assignment, student or variant.name, submissions.build(source, release, variant))


def _fingerprint(root: Path, hostile: set[str]) -> dict[str, tuple]:
    """Content and mode of every course file that hostile students must not touch."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[:1] == ("autograded",) and relative.parts[1:2] in [(s,) for s in hostile]:
            continue
        if relative.parts[0] in ("feedback", "reports", "exchange") or relative.name == "gradebook.db":
            continue
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else ""
        files[str(relative)] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), digest)
    return files


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, prepared_data, monkeypatch_module):
    monkeypatch_module.setenv("CASE_STUDIES_QUICK", "1")
    monkeypatch_module.setenv("CASE_STUDIES_CELL_TIMEOUT", "600")
    monkeypatch_module.setenv("CASE_STUDIES_FOLDER_LIMIT_MB", "256")  # the disk filler stops early
    for name, value in SECRETS.items():
        monkeypatch_module.setenv(name, value)
    root = course.private_copy(tmp_path_factory.mktemp("hostile"), [QUIZ, LAB])
    _submit(root, QUIZ, _variant(QUIZ_VARIANTS, "solution"))
    _submit(root, QUIZ, _variant(QUIZ_VARIANTS, "half_right"))
    _submit(root, LAB, _variant(LAB_VARIANTS, "solution"))
    peers = autograde.autograde_many(root, PEERS, workers=2, timeout=900, progress=False)
    quiz_hostile = hostile_folder.QUIZ + hostile_resources.VARIANTS + [hostile_outputs.SCRIPT_IN_OUTPUT]
    hostile = {v.name for v in quiz_hostile} | {"honest_control", hostile_folder.MODEL_THIEF.name}
    for variant in quiz_hostile:
        _submit(root, QUIZ, variant)
    _submit(root, QUIZ, _variant(QUIZ_VARIANTS, "solution"), "honest_control")
    _submit(root, LAB, hostile_folder.MODEL_THIEF)
    before = _fingerprint(root, hostile)
    grades_before = {a: course.scores(root, a) for a in (QUIZ, LAB)}
    jobs = [(QUIZ, name) for name in sorted(hostile - {"model_thief"})] + [(LAB, "model_thief")]
    outcomes = autograde.autograde_many(root, jobs, workers=2, timeout=900, progress=False)
    after = _fingerprint(root, hostile)
    grades_after = {a: course.scores(root, a) for a in (QUIZ, LAB)}
    for assignment in (QUIZ, LAB):
        course.nbgrader(root, "generate_feedback", assignment, "--force")
    return {
        "root": root,
        "peers": peers,
        "outcomes": {(a, o.student): o for a, found in outcomes.items() for o in found},
        "files": (before, after),
        "grades": (grades_before, grades_after),
    }


@pytest.mark.slow
def test_every_hostile_submission_is_graded_on_its_own_work(attacked):
    outcomes = attacked["outcomes"]
    assert {s: outcomes[QUIZ, s].score for s in EXPECTED} == EXPECTED
    assert all(o.status == "graded" for o in outcomes.values()), outcomes
    lab = course.scores(attacked["root"], LAB)
    assert lab["solution"]["fine_tuned_model_tests"] == 5, "the peer's model passes for the peer"
    assert lab["model_thief"]["fine_tuned_model_tests"] == 0, "a link to the peer's model earns nothing"


@pytest.mark.slow
def test_nothing_outside_the_hostile_folders_changed(attacked):
    before, after = attacked["files"]
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert changed == [], "files of other students or of the course changed"
    grades_before, grades_after = attacked["grades"]
    for assignment, student in PEERS:
        assert grades_after[assignment][student] == grades_before[assignment][student]
    assert grades_after[QUIZ]["solution"]["total"] == 32


@pytest.mark.slow
def test_hostile_folders_hold_only_plain_files_and_say_what_was_removed(attacked):
    root = attacked["root"]
    for (assignment, student), _ in attacked["outcomes"].items():
        for path in (root / "autograded" / student / assignment).iterdir():
            info = path.lstat()
            assert stat.S_ISREG(info.st_mode) and info.st_nlink == 1, path
            assert not path.name.endswith(".html")
    for student, removed in REMOVED.items():
        notebook = course.read(root, "autograded", QUIZ, student)
        text = "".join(str(o.get("text", "")) for c in notebook.cells for o in c.get("outputs", []))
        assert "removed from your folder" in text and removed in text, student


def _grader_lines(files: list[Path]) -> list[str]:
    lines = {line.strip() for f in files for line in f.read_text().splitlines()}
    return sorted(line for line in lines if len(line) >= 25)


@pytest.mark.slow
def test_nothing_of_the_grader_reaches_what_students_get_back(attacked):
    root, suites = attacked["root"], settings.REPO / "grader" / "hidden_tests"
    released = "\n".join(p.read_text() for p in (root / "release").rglob("*.*"))  # public tests
    secrets = [line for line in _grader_lines([*suites.rglob("*.py")]) if line not in released]
    secrets += ["BEGIN SOLUTION", "END SOLUTION"]
    returned = [p for s in EXPECTED | {"model_thief": 0} for p in (root / "feedback" / s).rglob("*")]
    assert returned, "feedback was generated"
    for path in returned:
        assert not path.is_symlink(), path
        if path.is_file():
            text = html.unescape(path.read_text(errors="replace"))
            leaked = [line for line in secrets if line in text]
            assert leaked == [], f"{path.relative_to(root)} holds grader text: {leaked[:3]}"
    for path in [*returned, *(root / "autograded").rglob("*")]:
        text = path.read_text(errors="replace") if path.is_file() else ""
        assert not [v for v in SECRETS.values() if v in text], f"a secret reached {path.relative_to(root)}"
        if path.suffix == ".html":  # whether a script runs there is tests/test_inert_outputs.py's
            assert "Content-Security-Policy" in text, path
    names = {p.name for p in returned}
    assert not names & {"solutions.html", "peer.html", "leak_key.py", "leak_source.py", "stuck.py"}
    forged = (root / "feedback" / "report_forger" / QUIZ / "Case_Studies_Quiz.html").read_text()
    assert student_text.REDACTED in forged, "the forged report lines reached the feedback, redacted"


def test_the_redactor_removes_lines_of_grader_files_and_bounds_text(tmp_path):
    plan = tmp_path / "probe_plan.py"
    plan.write_text("def dump_answers(namespace, out):\n    answers = sorted(namespace)\n")
    redact = student_text.Redactor([plan])
    assert redact("ValueError: def dump_answers(namespace, out):") == student_text.REDACTED
    assert redact("KeyError: 'q01'") == "KeyError: 'q01'"
    assert (
        redact("    answers = sorted(namespace)\nKeyError: 'q01'")
        == f"{student_text.REDACTED} / KeyError: 'q01'"
    )
    assert (
        redact("def dump_answers(namespace, out):\n    answers = sorted(namespace)") == student_text.REDACTED
    )
    assert len(redact("x" * 10_000, 300)) == 300
    assert "\x1b" not in redact("colour \x1b[31m escape")


def test_files_the_grader_opens_are_refused_when_not_plain(tmp_path):
    from grader import safe_files

    (tmp_path / "plain").write_text("ok")
    os.symlink(tmp_path / "plain", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    os.link(tmp_path / "plain", tmp_path / "second_name")
    assert safe_files.why_unsafe(tmp_path / "link") == "a symbolic link"
    assert safe_files.why_unsafe(tmp_path / "fifo").startswith("not a regular file")
    assert safe_files.why_unsafe(tmp_path / "plain") == "a hard link to another file"
    os.remove(tmp_path / "second_name")
    assert safe_files.read_bytes(tmp_path / "plain") == b"ok"
    with pytest.raises(OSError):
        safe_files.read_bytes(tmp_path / "link")
    safe_files.write_text(tmp_path / "link", "new")  # replaces the link, never writes through it
    assert (tmp_path / "plain").read_text() == "ok" and not (tmp_path / "link").is_symlink()


def test_a_submission_holding_a_link_is_refused_with_a_reason(tmp_path):
    (tmp_path / "source" / QUIZ).mkdir(parents=True)
    (tmp_path / "source" / QUIZ / "Case_Studies_Quiz.ipynb").write_text("{}")
    folder = tmp_path / "submitted" / "mallory" / QUIZ
    folder.mkdir(parents=True)
    (folder / "Case_Studies_Quiz.ipynb").write_text("{}")
    (folder / "data.csv").symlink_to("/etc/passwd")
    reason = autograde.refusal(tmp_path, QUIZ, "mallory")
    assert reason == "'data.csv' in the submission is a symbolic link: submit plain files only"

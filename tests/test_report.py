"""The class report and the CSV export, on a real nbgrader course with a hand-made graded class.

The gradebook is nbgrader's own (generate_assignment, then grades written through its API); the
outcomes and hidden-check records are what a run of the parallel autograder would have left,
written by hand so the test needs no training.
"""

import base64
import csv
import json
import re
import shutil

import pytest
from nbgrader.api import Gradebook

from grader import cli, course, report
from grader.autograde import Outcome, save_outcomes

ASSIGNMENT = "resnets"
PARTS = ["identity_block_tests", "convolutional_block_tests", "resnet50_tests", "trained_model_tests"]
POINTS = {"ada": [5, 5, 4, 5], "bob": [5, 2, 0, 0]}  # graded students, in PARTS order
OUTCOMES = [
    Outcome("ada", "graded", "", 19, 20, 312.4, 2950.0),
    Outcome("bob", "graded", "", 7, 20, 287.9, 2810.5),
    Outcome("cy", "refused", "not a valid notebook: Expecting value: line 1", 0, 20, 0.0, 0.0),
    Outcome("dee", "timed out", "grading took longer than 3600 s", 0, 20, 3600.2, 3400.0),
]
STAGES = "the four stages have 3, 4, 6 and 3 blocks with strides 1, 2, 2, 2"
STAGES_CONCEPT = "The stages are wrong: each stage is one convolutional block followed by identity blocks."
TRAINED = "your trained ResNet50 recognises signs it has never seen"
SKIP = "the skip connection adds the block's input before the final ReLU"
PROBE_PROBLEM = "the probe stopped after 300 s: later checks could not run"


def _check(title, passed, points=1.0, concept=None):
    concept = concept or f"Concept behind: {title}."
    return {"title": title, "concept": concept, "points": points, "passed": passed, "artifact": ""}


def _hidden_checks(passed_trained: bool) -> dict:
    return {
        "cells": {
            "identity_block_tests": [_check(SKIP, True)],
            "resnet50_tests": [_check(STAGES, False, concept=STAGES_CONCEPT)],
            "trained_model_tests": [_check(TRAINED, passed_trained, points=5)],
        },
        "problems": [] if passed_trained else [PROBE_PROBLEM],
    }


def _give_points(root, student, points):
    with Gradebook(course.db_url(root), course_id="cnn-case-studies") as gradebook:
        for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks:
            for grade in notebook.grades:
                if grade.cell.name in PARTS:
                    grade.auto_score = points[PARTS.index(grade.cell.name)]
        gradebook.update_or_create_student("eve")  # enrolled, never handed in
        gradebook.db.commit()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.delenv("CASE_STUDIES_GRADEBOOK", raising=False)  # the course's own SQLite
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(course.COURSE / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    shutil.copy(course.COURSE / "nbgrader_config.py", root)
    course.nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    for outcome in OUTCOMES:
        course.record_zero(root, ASSIGNMENT, outcome.student)
    for student, points in POINTS.items():
        _give_points(root, student, points)
        folder = root / "autograded" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / "hidden_checks.json").write_text(json.dumps(_hidden_checks(student == "ada")))
    save_outcomes(root, ASSIGNMENT, OUTCOMES)
    return root


@pytest.fixture(scope="module")
def page(graded_class) -> str:
    path = report.build_report(graded_class, [ASSIGNMENT, "vgg"])
    assert path == graded_class / "reports" / "index.html"
    return path.read_text()


def test_report_is_one_file_with_embedded_png_plots(page):
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3  # scores, hidden checks, grading time: resnets only, vgg has no records
    for image in images:
        assert base64.b64decode(image).startswith(b"\x89PNG\r\n\x1a\n")
    assert "<script" not in page and 'src="http' not in page and "<link" not in page


def test_report_shows_which_concepts_the_class_misses(page):
    section = page.split('<section id="vgg">')[0]
    for title in (STAGES, TRAINED, "the skip connection adds the block&#x27;s input before the final ReLU"):
        assert title in section
    most_missed = section.split("Most missed concepts")[1].split("</table>")[0]
    assert STAGES_CONCEPT in most_missed and "2 of 2" in most_missed and "1 of 2" in most_missed
    assert most_missed.index(STAGES) < most_missed.index(TRAINED), "the most missed comes first"
    assert "skip connection" not in most_missed, "a check everyone passed is no concept missed"
    assert PROBE_PROBLEM in section


def test_report_counts_outcomes_and_tabulates_grades(page):
    section = page.split('<section id="vgg">')[0]
    outcomes = section.split("<h3>Outcomes</h3>")[1].split("<h3>")[0]
    assert '<td>graded</td><td>—</td><td class="number">2</td>' in outcomes
    assert "grading took longer than 3600 s" in outcomes and "not a valid notebook" in outcomes
    grades = section.split("<h3>Grades</h3>")[1]
    assert "identity_block_tests (/5)" in grades and "total (/20)" in grades
    ada = re.search(r"<tr><td>ada</td>(.*?)</tr>", grades).group(1)
    assert re.findall(r">([^<]*)</td>", ada) == ["5", "5", "4", "5", "19", "graded"]
    assert re.search(r"<tr><td>eve</td>.*?no submission</td></tr>", grades)
    assert "Median 300 s, longest 3600 s" in section


def test_assignment_without_records_says_so(page):
    vgg = page.split('<section id="vgg">')[1]
    assert "No grades in the gradebook" in vgg
    assert "No hidden-check records" in vgg
    assert "No outcomes.json" in vgg and "No grading times recorded" in vgg
    assert "not in the gradebook" in vgg, "an unreleased assignment lists no one as missing"


def test_csv_has_a_row_per_student_and_assignment(graded_class, tmp_path):
    path = report.export_csv(graded_class, tmp_path / "grades.csv")
    rows = {row["student"]: row for row in csv.DictReader(path.open())}
    assert list(next(csv.reader(path.open()))) == [
        "student",
        "assignment",
        *PARTS,
        "total",
        "max_score",
        "status",
        "reason",
    ]
    assert sorted(rows) == ["ada", "bob", "cy", "dee", "eve"]
    assert {row["assignment"] for row in rows.values()} == {ASSIGNMENT}
    bob = rows["bob"]
    assert [float(bob[p]) for p in PARTS] == POINTS["bob"]
    assert (float(bob["total"]), float(bob["max_score"]), bob["status"]) == (7, 20, "graded")
    assert (rows["cy"]["status"], float(rows["cy"]["total"])) == ("refused", 0)
    assert rows["cy"]["reason"].startswith("not a valid notebook")
    assert (rows["dee"]["status"], rows["dee"]["reason"]) == ("timed out", "grading took longer than 3600 s")
    assert (rows["eve"]["status"], rows["eve"]["total"], rows["eve"]["max_score"]) == (
        "no submission",
        "",
        "20.0",
    )


def test_cli_report_and_export(graded_class, tmp_path, capsys):
    assert cli.main(["report", "--course", str(graded_class), ASSIGNMENT]) == 0
    assert capsys.readouterr().out.strip() == str(graded_class / "reports" / "index.html")
    assert cli.main(["export", "--course", str(graded_class), "--csv", str(tmp_path / "out.csv")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "out.csv")
    assert len((tmp_path / "out.csv").read_text().splitlines()) == 1 + 5


def test_report_on_an_ungraded_course_creates_no_gradebook(tmp_path, monkeypatch):
    monkeypatch.delenv("CASE_STUDIES_GRADEBOOK", raising=False)
    page = report.build_report(tmp_path, [ASSIGNMENT]).read_text()
    assert "No grades in the gradebook" in page and "not in the gradebook" in page
    assert not (tmp_path / "gradebook.db").exists()

"""Hidden verdicts for every realistic submission of an assignment, judged as autograde judges them.

Two submissions at a time: a probe or a judge spends most of its time building Keras models, which
is single-threaded Python, so a second one uses the otherwise idle core."""

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader import course, hidden_checks, submissions

AT_ONCE = 2


def judge_all(course_root: Path, assignment: str, variants, scratch: Path) -> dict:
    source = course.read(course_root, "source", assignment)
    release = course.read(course_root, "release", assignment)

    def judge(variant):
        submission = scratch / variant.name / assignment
        shutil.copytree(course_root / "release" / assignment, submission)
        notebook = submissions.build(source, release, variant)
        return variant.name, hidden_checks.run(notebook, assignment, submission)

    with ThreadPoolExecutor(AT_ONCE) as pool:
        return dict(pool.map(judge, variants))

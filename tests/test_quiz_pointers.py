"""Every quiz question's feedback points to a lecture section that teaches it.

A wrong answer's feedback names a notebook and a section heading (grader/hidden_tests/quiz/answer_key.py).
These tests read the lecture notebooks: the heading must exist once, and the text under it (down to the
next heading of the same or a higher level) must use the key terms of the question's topic.
"""

import re

import nbformat
import pytest

from grader import settings
from grader.hidden_tests.quiz.answer_key import KEY

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
QUIZ = settings.REPO / "assignments" / "source" / "quiz" / "Case_Studies_Quiz.ipynb"


def sections(notebook: str) -> dict[str, list[str]]:
    """Each heading's text, mapped to the markdown lines under it (one entry per occurrence)."""
    nb = nbformat.read(settings.REPO / "notebooks" / f"{notebook}.ipynb", as_version=4)
    lines = [line for cell in nb.cells if cell.cell_type == "markdown" for line in cell.source.splitlines()]
    found: dict[str, list[str]] = {}
    for start, line in enumerate(lines):
        heading = HEADING.match(line)
        if not heading:
            continue
        level, body = len(heading[1]), []
        for later in lines[start + 1 :]:
            deeper = HEADING.match(later)
            if deeper and len(deeper[1]) <= level:
                break
            body.append(later)
        found.setdefault(heading[2], []).append(" ".join(body))
    return found


@pytest.mark.parametrize("entry", KEY, ids=[entry.question for entry in KEY])
def test_feedback_points_to_a_section_that_teaches_the_question(entry):
    found = sections(entry.notebook)
    assert entry.section in found, f"{entry.notebook} has no heading {entry.section!r}: {sorted(found)}"
    assert len(found[entry.section]) == 1, f"{entry.section!r} appears twice in {entry.notebook}"
    text = found[entry.section][0].lower()
    missing = [term for term in entry.terms if term.lower() not in text]
    assert not missing, f"{entry.notebook} / {entry.section!r} never says {missing}"


def test_the_key_and_the_quiz_ask_the_same_questions():
    nb = nbformat.read(QUIZ, as_version=4)
    text = "\n".join(cell.source for cell in nb.cells)
    asked = sorted(set(re.findall(r"^(q\d\d) = None", text, flags=re.MULTILINE)))
    numbered = sorted(f"q{int(n):02d}" for n in re.findall(r"\*\*Q(\d+)\.\*\*", text))
    assert asked == numbered == [entry.question for entry in KEY]
    points = {
        c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader.get("points")
        for c in nb.cells
        if "nbgrader" in c.metadata
    }
    for cell in {entry.cell for entry in KEY}:
        assert points[cell] == sum(entry.cell == cell for entry in KEY), cell

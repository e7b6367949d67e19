import json
import math

import pytest

from grader.hidden_tests.quiz.answer_key import KEY


def _correct(entry, given) -> bool:
    if entry.kind == "single":
        return isinstance(given, str) and given.strip().lower() == entry.answer
    if entry.kind == "multiple":
        return isinstance(given, dict) and set(given.get("set", [])) == entry.answer
    if entry.kind == "truefalse":
        return isinstance(given, bool) and given == entry.answer
    if isinstance(given, bool) or not isinstance(given, int | float) or not math.isfinite(given):
        return False
    return abs(given - entry.answer) <= entry.tolerance


@pytest.fixture(scope="session")
def answers(artifacts):
    path = artifacts / "answers.json"
    return json.loads(path.read_text()) if path.is_file() else {}


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(
            entry,
            id=entry.question,
            marks=pytest.mark.check(
                cell=entry.cell,
                points=1,
                artifact="answers",
                title=f"{entry.question.upper()} is right",
                concept=f"{entry.question.upper()} is not right: revisit {entry.topic} "
                f'(notebooks/{entry.notebook}.ipynb, section "{entry.section}").',
            ),
        )
        for entry in KEY
    ],
)
def test_answer(entry, answers):
    assert _correct(entry, answers.get(entry.question))

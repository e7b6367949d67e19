"""The self-check behind the lecture notebooks' practice exercises (notebooks/practice.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))
import practice  # noqa: E402


def test_a_right_answer_passes(capsys):
    assert practice.check("Exercise 1", 6144, 6144, hint="count the weights")
    assert capsys.readouterr().out == "Exercise 1: right.\n"


@pytest.mark.parametrize(
    ("attempt", "expected", "tolerance"),
    [(0.12, 1 / 128 + 1 / 9, 0.006), (lambda: (28, 28, 32), (28, 28, 32), 0.0), (True, True, 0.0)],
)
def test_values_functions_and_tolerances(attempt, expected, tolerance):
    assert practice.check("Exercise", attempt, expected, hint="", tolerance=tolerance)


def test_an_unanswered_exercise_says_so_and_fails(capsys):
    assert not practice.check("Exercise 2", None, 17, hint="one weight per channel, plus a bias")
    assert "not tried yet" in capsys.readouterr().out


def test_a_wrong_answer_shows_the_hint_not_the_answer(capsys):
    assert not practice.check("Exercise 3", 16, 17, hint="do not forget the bias")
    out = capsys.readouterr().out
    assert "not yet (16)" in out and "do not forget the bias" in out and "17" not in out


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, True), (True, 1), (float("nan"), 1.0), (float("inf"), 1.0), ("17", 17), ((28, 28), (28, 28, 32))],
)
def test_near_misses_of_type_or_value_fail(attempt, expected):
    assert not practice.check("Exercise", attempt, expected, hint="", tolerance=0.5)


def test_student_code_that_raises_is_reported_without_stopping(capsys):
    def broken():
        raise ValueError("shapes do not match")

    assert not practice.check("Exercise 4", broken, 3, hint="")
    assert "ValueError: shapes do not match" in capsys.readouterr().out

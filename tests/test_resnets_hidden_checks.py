"""The ResNets hidden checks on realistic submissions, run exactly as autograde runs them."""

import shutil

import pytest

from grader import course, hidden_checks, submissions
from grader.hidden_tests.resnets.variants import VARIANTS

# Which checks fail for each submission (identified by cell and title prefix); all others must pass.
# The trained-model check needs an executed notebook, so test_nbgrader_lifecycle covers it.
EXPECTED_FAILURES = {
    "solution": set(),
    "untouched": {"identity_block_tests", "convolutional_block_tests", "resnet50_tests"},
    "shortcut_after_relu": {
        ("identity_block_tests", "identity_block computes the right function at inference"),
        ("identity_block_tests", "identity_block computes the right function in training"),
        ("identity_block_tests", "the skip connection"),
        ("convolutional_block_tests", "convolutional_block computes the right function at inference"),
        ("convolutional_block_tests", "convolutional_block computes the right function in training"),
        ("convolutional_block_tests", "the shortcut is a strided"),
    },
    "no_projection": {"convolutional_block_tests", "resnet50_tests"},
    "wrong_stage": {"resnet50_tests"},
    "cheat": {"identity_block_tests", "resnet50_tests"},  # its ResNet50 is built from the fake block
}


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_hidden_verdicts(variant, released_course, tmp_path):
    notebook = submissions.build(
        course.read(released_course, "source", "resnets"),
        course.read(released_course, "release", "resnets"),
        variant,
    )
    submission = tmp_path / "resnets"
    shutil.copytree(released_course / "release" / "resnets", submission)
    verdicts = hidden_checks.run(notebook, "resnets", submission)
    expected = EXPECTED_FAILURES[variant.name]
    judged = {
        (cell, check.title): check.passed for cell, checks in verdicts.cells.items() for check in checks
    }
    assert {cell for cell, _ in judged} >= {
        "identity_block_tests",
        "convolutional_block_tests",
        "resnet50_tests",
    }
    for (cell, title), passed in judged.items():
        if cell == "trained_model_tests":
            continue
        should_fail = cell in expected or any(
            isinstance(item, tuple) and item[0] == cell and title.startswith(item[1]) for item in expected
        )
        assert passed != should_fail, f"{variant.name}: {cell} / {title} passed={passed}"

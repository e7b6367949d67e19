"""The transfer learning hidden checks on realistic submissions, run exactly as autograde runs them."""

import pytest
from variant_verdicts import judge_all

from grader import course, submissions
from grader.hidden_tests.transfer_learning.variants import VARIANTS

ASSIGNMENT = "transfer_learning"
FUNCTION_CELLS = {"data_augmenter_tests", "transfer_model_tests", "fine_tune_tests"}
# Which checks fail for each submission (identified by cell and title prefix); all others must pass.
# The fine-tuned model's accuracy needs an executed notebook: benchmarks/transfer_learning_autograde.py.
EXPECTED_FAILURES = {
    "solution": set(),
    "untouched": FUNCTION_CELLS,
    "base_not_frozen": {
        ("transfer_model_tests", "the base is MobileNetV2"),
        ("transfer_model_tests", "the base runs in inference mode"),
    },
    "base_training_true": {("transfer_model_tests", "the base runs in inference mode")},
    "no_preprocess": {("transfer_model_tests", "photos reach MobileNetV2")},
    "softmax_head": {("transfer_model_tests", "the head is")},
    "unfreeze_everything": {
        ("fine_tune_tests", "exactly the base's layers"),
        ("fine_tune_tests", "a fine-tuning step"),
    },
    "batchnorm_not_frozen": {
        ("fine_tune_tests", "exactly the base's layers"),
        ("fine_tune_tests", "a fine-tuning step"),
    },
    "copied_compile": {
        ("fine_tune_tests", "fine_tune recompiles"),
        ("fine_tune_tests", "the fine-tuning loss"),
    },
    # A mistake in data_augmenter costs transfer_model only its small check with your own augmenter, and a
    # broken transfer_model costs fine_tune nothing: each is graded on its own (issue 15).
    "augmenter_without_flip": {
        ("data_augmenter_tests", "data_augmenter is a Sequential"),
        ("transfer_model_tests", "transfer_model with your own data_augmenter"),
    },
    "augmenter_list": {"data_augmenter_tests", ("transfer_model_tests", "transfer_model with your own")},
    "logits_not_named_outputs": {"transfer_model_tests"},
    "no_accuracy_metric": {("fine_tune_tests", 'fine_tune compiles with the "accuracy" metric')},
}


def test_every_variant_has_expectations():
    assert {variant.name for variant in VARIANTS} == set(EXPECTED_FAILURES)


@pytest.fixture(scope="module")
def every_verdict(released_course, tmp_path_factory):
    return judge_all(released_course, ASSIGNMENT, VARIANTS, tmp_path_factory.mktemp("variants"))


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_hidden_verdicts(variant, every_verdict):
    verdicts = every_verdict[variant.name]
    expected = EXPECTED_FAILURES[variant.name]
    judged = {
        (cell, check.title): check.passed for cell, checks in verdicts.cells.items() for check in checks
    }
    assert {cell for cell, _ in judged} >= FUNCTION_CELLS | {"fine_tuned_model_tests"}
    for (cell, title), passed in judged.items():
        if cell == "fine_tuned_model_tests":
            assert not passed, "no model was trained, so the accuracy check cannot pass"
            continue
        should_fail = cell in expected or any(
            isinstance(item, tuple) and item[0] == cell and title.startswith(item[1]) for item in expected
        )
        assert passed != should_fail, f"{variant.name}: {cell} / {title} passed={passed}"


@pytest.mark.slow
def test_solution_autograded_in_quick_mode_earns_full_marks(released_course, monkeypatch):
    """The whole notebook through real nbgrader: datasets, public tests, both training phases, saving."""
    monkeypatch.setenv("CASE_STUDIES_QUICK", "1")
    solution = next(v for v in VARIANTS if v.name == "solution")
    notebook = submissions.build(
        course.read(released_course, "source", ASSIGNMENT),
        course.read(released_course, "release", ASSIGNMENT),
        solution,
    )
    course.submit(released_course, ASSIGNMENT, solution.name, notebook)
    course.nbgrader(released_course, "autograde", ASSIGNMENT, "--student", solution.name, "--force")
    scores = course.scores(released_course, ASSIGNMENT)[solution.name]
    assert scores["total"] == course.max_scores(released_course, ASSIGNMENT)["total"] == 18, scores

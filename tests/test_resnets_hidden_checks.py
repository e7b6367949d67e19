"""The ResNets hidden checks on realistic submissions, run exactly as autograde runs them."""

import json

import pytest
from variant_verdicts import judge_all

from grader.hidden_tests.resnets import reference
from grader.hidden_tests.resnets import test_trained_model as trained_model
from grader.hidden_tests.resnets.variants import VARIANTS

# Which checks fail for each submission (identified by cell and title prefix); all others must pass.
# The trained-model check needs an executed notebook, so test_nbgrader_lifecycle covers it.
# A wrong block costs ResNet50 only its small whole-pipeline check (issue 15: a mistake is charged once).
IDENTITY_NUMBERS = {
    ("identity_block_tests", "identity_block computes the right function at inference"),
    ("identity_block_tests", "identity_block computes the right function in training"),
}
PIPELINE = ("resnet50_tests", "your ResNet50 built from your own blocks")
OUTPUTS = ("resnet50_tests", "with correct blocks, ResNet50 computes")
EXPECTED_FAILURES = {
    "solution": set(),
    "untouched": {"identity_block_tests", "convolutional_block_tests", "resnet50_tests"},
    "shortcut_after_relu": IDENTITY_NUMBERS
    | {
        ("identity_block_tests", "the skip connection"),
        ("convolutional_block_tests", "convolutional_block computes the right function at inference"),
        ("convolutional_block_tests", "convolutional_block computes the right function in training"),
        ("convolutional_block_tests", "the shortcut is a strided"),
        PIPELINE,
    },
    "no_projection": {"convolutional_block_tests", PIPELINE},
    "wrong_stage": {("resnet50_tests", "ResNet50 calls the blocks"), OUTPUTS},
    "identity_no_shortcut": IDENTITY_NUMBERS | {("identity_block_tests", "the skip connection"), PIPELINE},
    "identity_no_last_norm": IDENTITY_NUMBERS | {("identity_block_tests", "the skip connection"), PIPELINE},
    "identity_middle_1x1": IDENTITY_NUMBERS | {PIPELINE},
    "no_softmax": {("resnet50_tests", "the head is"), OUTPUTS},
    "stem_relu_before_norm": {("resnet50_tests", "the stem is"), OUTPUTS},
    "shortcut_default_initializer": {("convolutional_block_tests", "every convolution, the shortcut's too")},
    "cheat": {"identity_block_tests", PIPELINE},  # its ResNet50 is right; only its block is fake
}
# What a failed check's message must say (cell, title prefix, words of the concept).
EXPECTED_CONCEPTS = {
    "no_softmax": [("resnet50_tests", "the head is", "The head has no softmax")],
    "stem_relu_before_norm": [
        ("resnet50_tests", "the stem is", "right layers in the wrong order: ZeroPadding2D")
    ],
    "identity_no_shortcut": [(*PIPELINE, "because identity_block is wrong")],
    "no_projection": [(*PIPELINE, "because convolutional_block is wrong")],
    "shortcut_after_relu": [(*PIPELINE, "because identity_block and convolutional_block are wrong")],
}


def test_every_variant_has_expectations():
    assert {variant.name for variant in VARIANTS} == set(EXPECTED_FAILURES)


@pytest.fixture(scope="module")
def every_verdict(released_course, tmp_path_factory):
    return judge_all(released_course, "resnets", VARIANTS, tmp_path_factory.mktemp("variants"))


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_hidden_verdicts(variant, every_verdict):
    verdicts = every_verdict[variant.name]
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
    concepts = {
        (cell, check.title): check.concept for cell, checks in verdicts.cells.items() for check in checks
    }
    for cell, prefix, words in EXPECTED_CONCEPTS.get(variant.name, []):
        (concept,) = [text for (c, title), text in concepts.items() if c == cell and title.startswith(prefix)]
        assert words in concept, concept


def _identity_middle_1x1(x, f, filters, initializer=None):
    """The identity_middle_1x1 mistake, written here: the middle convolution keeps a 1x1 kernel."""
    return reference.identity_block(x, 1, filters)


def test_a_model_trained_from_a_wrong_block_is_still_the_students_network(tmp_path):
    """Its accuracy is judged; the wrong block is charged in its own cell, not again for its weights."""
    own = reference.resnet50((64, 64, 3), 10, identity=_identity_middle_1x1)
    (tmp_path / "resnet_own_blocks.json").write_text(json.dumps({"config": own.to_json()}))
    built = {"artifacts": {"ResNet50_with_your_blocks": "ok"}}
    trained = reference.resnet50((64, 64, 3), trained_model.CLASSES, identity=_identity_middle_1x1)
    assert trained.count_params() != trained_model.REFERENCE_PARAMETERS
    assert trained_model.parameters_of_networks_built(tmp_path, built) == {
        trained_model.REFERENCE_PARAMETERS,
        trained.count_params(),
    }
    missing = {"artifacts": {"ResNet50_with_your_blocks": "NameError: ResNet50"}}
    assert trained_model.parameters_of_networks_built(tmp_path, missing) == {23_608_202}

"""The hidden suites' own consistency: their reference and probe cases are what the checks assume.

These are not checks of a submission, so the judge does not run them (grader/hidden_tests/conftest.py
skips tests without a `check` marker): `make test` does.
"""

import keras

from grader.hidden_tests.resnets import checks, probe_plan, reference
from grader.hidden_tests.resnets.test_trained_model import MODEL_FILE


def test_reference_count():
    """23,608,202 is ResNet-50's size for 64x64x3 inputs and 10 classes (the notebook's 23.6 million)."""
    assert reference.resnet50().count_params() == 23_608_202
    assert MODEL_FILE == "resnet50_signs.keras"


def test_cases_are_distinct():
    """The weight alignment needs three different filter counts per case."""
    for _, _, filters in probe_plan.IDENTITY_CASES:
        assert len(set(filters)) == 3


def test_markers_record_the_calls_of_the_reference():
    """The judge reads the blocks ResNet50 called back from marker names: 16 blocks, in stage order."""
    markers = probe_plan.Markers()
    model = reference.resnet50((64, 64, 3), 10, markers.identity_block, markers.convolutional_block)
    calls = checks.block_calls(model)
    assert [kind for kind, *_ in calls] == (["convolutional"] + ["identity"] * 2) + (
        ["convolutional"] + ["identity"] * 3
    ) + (["convolutional"] + ["identity"] * 5) + (["convolutional"] + ["identity"] * 2)
    assert calls[3] == ("convolutional", 3, (128, 128, 512), 2)
    assert tuple(model.output_shape) == (None, 10)


def test_difference_says_what_is_wrong():
    stem = ["ZeroPadding2D((3, 3))", "Conv2D(64)", "BatchNormalization(axis=3)", "ReLU", "MaxPooling2D"]
    swapped = [stem[0], stem[1], stem[3], stem[2], stem[4]]
    assert "wrong order" in checks.difference("stem", swapped, stem)
    assert "differs at step 3: ReLU" in checks.difference("stem", [*stem[:2], "ReLU"], stem)
    assert "stops after step 4" in checks.difference("stem", stem[:4], stem)


def test_dense_then_softmax_is_the_softmax_head():
    inputs = keras.Input((4,))
    split = keras.Model(inputs, keras.layers.Activation("softmax")(keras.layers.Dense(3)(inputs)))
    joined = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    assert checks.head_descriptions(split.layers[1:]) == checks.head_descriptions(joined.layers[1:])

import keras
import numpy as np
import pytest

from grader.hidden_tests import keras_graph
from grader.hidden_tests.resnets import checks

CELL = "identity_block_tests"


def _load(artifacts, probe_report, i):
    return checks.saved_model(artifacts, probe_report, "identity_block", f"identity_{i}.keras")


@pytest.mark.check(
    cell=CELL,
    points=1.5,
    artifact="identity_block",
    title="identity_block computes the right function at inference time",
    concept="At inference time the identity block gives different numbers from a correct one: check the "
    "order Conv -> BatchNorm -> ReLU on each step of the main path, the kernel sizes (1x1, fxf, 1x1), "
    "'valid' vs 'same' padding and which filter count goes where.",
)
def test_inference_outputs(artifacts, probe_report):
    for i, case in checks.IDENTITY:
        student = _load(artifacts, probe_report, i)
        assert checks.outputs_match(student, checks.identity_reference(case), seed=10 + i, training=False)


@pytest.mark.check(
    cell=CELL,
    points=1.5,
    artifact="identity_block",
    title="identity_block computes the right function in training mode",
    concept="In training mode (BatchNorm using batch statistics) the identity block differs from a correct "
    "one: every BatchNormalization must normalise the channel axis (axis=3) right after its convolution.",
)
def test_training_outputs(artifacts, probe_report):
    for i, case in checks.IDENTITY:
        student = _load(artifacts, probe_report, i)
        assert checks.outputs_match(student, checks.identity_reference(case), seed=20 + i, training=True)


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="identity_block",
    title="the skip connection adds the block's input before the final ReLU",
    concept="The skip connection is wrong: add the block's unchanged input to the output of the last "
    "BatchNorm of the main path, and apply the final ReLU after the addition (a[l+2] = g(z[l+2] + a[l])).",
)
def test_skip_connection(artifacts, probe_report):
    student = _load(artifacts, probe_report, 0)
    inputs = keras_graph.graph(student)
    adds = [layer for layer in student.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == 1
    sources = {type(student.get_layer(name)).__name__ for name in inputs[adds[0].name]}
    assert sources == {"InputLayer", "BatchNormalization"}
    (after,) = keras_graph.consumers(student, adds[0].name)
    assert keras_graph.kind(student.get_layer(after)) == "Activation:relu"
    assert student.output.name == student.get_layer(after).output.name


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="identity_block",
    title="every convolution uses kernel_initializer=initializer(seed=0)",
    concept="The convolutions ignore the `initializer` argument: pass kernel_initializer=initializer(seed=0) "
    "to every Conv2D so the block's starting weights are reproducible.",
)
def test_initializer(artifacts, probe_report):
    student = checks.saved_model(artifacts, probe_report, "identity_block", "identity_he.keras")
    convs = [layer for layer in student.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 3
    for conv in convs:
        expected = keras.initializers.HeNormal(seed=0)(tuple(conv.kernel.shape))
        assert np.allclose(np.asarray(conv.kernel), np.asarray(expected), atol=1e-6)

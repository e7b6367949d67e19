import keras
import numpy as np
import pytest

from grader.hidden_tests import keras_graph
from grader.hidden_tests.resnets import checks

CELL = "convolutional_block_tests"


def _load(artifacts, probe_report, i):
    return checks.saved_model(artifacts, probe_report, "convolutional_block", f"convolutional_{i}.keras")


@pytest.mark.check(
    cell=CELL,
    points=1.5,
    artifact="convolutional_block",
    title="convolutional_block computes the right function at inference time, for strides 1, 2 and 4",
    concept="At inference time the convolutional block differs from a correct one: the stride s belongs to "
    "the first 1x1 convolution of the main path and to the shortcut's 1x1 convolution, nowhere else.",
)
def test_inference_outputs(artifacts, probe_report):
    for i, case in checks.CONVOLUTIONAL:
        student = _load(artifacts, probe_report, i)
        assert checks.outputs_match(
            student, checks.convolutional_reference(case), seed=30 + i, training=False
        )


@pytest.mark.check(
    cell=CELL,
    points=1.5,
    artifact="convolutional_block",
    title="convolutional_block computes the right function in training mode",
    concept="In training mode the convolutional block differs from a correct one: each convolution, "
    "including the shortcut's, needs its own BatchNormalization(axis=3) right after it.",
)
def test_training_outputs(artifacts, probe_report):
    for i, case in checks.CONVOLUTIONAL:
        student = _load(artifacts, probe_report, i)
        assert checks.outputs_match(student, checks.convolutional_reference(case), seed=40 + i, training=True)


@pytest.mark.check(
    cell=CELL,
    points=1.5,
    artifact="convolutional_block",
    title="the shortcut is a strided 1x1 projection with BatchNorm, added before the final ReLU",
    concept="The projection shortcut is missing or misplaced: when the shapes change, the shortcut must "
    "pass the block's input through a 1x1 Conv2D with stride s and F3 filters and a BatchNorm, and be "
    "added to the main path before the final ReLU.",
)
def test_projection_shortcut(artifacts, probe_report):
    for i, (_, _, filters, s) in checks.CONVOLUTIONAL:
        student = _load(artifacts, probe_report, i)
        inputs = keras_graph.graph(student)
        adds = [layer for layer in student.layers if isinstance(layer, keras.layers.Add)]
        assert len(adds) == 1
        norms = [student.get_layer(name) for name in inputs[adds[0].name]]
        assert all(isinstance(norm, keras.layers.BatchNormalization) for norm in norms)
        convs = [student.get_layer(inputs[norm.name][0]) for norm in norms]
        projections = [
            conv
            for conv in convs
            if type(student.get_layer(inputs[conv.name][0])).__name__ == "InputLayer"
            and tuple(conv.kernel_size) == (1, 1)
            and tuple(conv.strides) == (s, s)
            and conv.filters == filters[2]
        ]
        assert len(projections) == 1
        (after,) = keras_graph.consumers(student, adds[0].name)
        assert keras_graph.kind(student.get_layer(after)) == "Activation:relu"
        assert student.output.name == student.get_layer(after).output.name


@pytest.mark.check(
    cell=CELL,
    points=0.5,
    artifact="convolutional_block",
    title="every convolution, the shortcut's too, uses kernel_initializer=initializer(seed=0)",
    concept="The convolutions ignore the `initializer` argument: pass kernel_initializer=initializer(seed=0) "
    "to every Conv2D, the shortcut's included, so the block's starting weights are reproducible.",
)
def test_initializer(artifacts, probe_report):
    student = checks.saved_model(artifacts, probe_report, "convolutional_block", "convolutional_he.keras")
    convs = [layer for layer in student.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 4
    for conv in convs:
        expected = keras.initializers.HeNormal(seed=0)(tuple(conv.kernel.shape))
        assert np.allclose(np.asarray(conv.kernel), np.asarray(expected), atol=1e-6)

import json
from collections import Counter

import keras
import pytest

from grader.hidden_tests import keras_graph
from grader.hidden_tests.resnets import probe_plan, reference

CELL = "resnet50_tests"
RESNET50_PARAMETERS = 23_608_202  # 64x64x3 input, 10 classes


def _student(artifacts, probe_report, i):
    status = probe_report.get("artifacts", {}).get("ResNet50", "not built")
    if status != "ok":
        pytest.fail(status)
    return keras.models.model_from_json(json.loads((artifacts / f"resnet_{i}.json").read_text())["config"])


def _inventory(model) -> Counter:
    return Counter(
        (keras_graph.kind(layer), tuple(layer.output.shape), layer.count_params()) for layer in model.layers
    )


def _stage_outputs(model) -> list[tuple]:
    """Output shapes of the residual additions, in graph order: one per block."""
    return [tuple(layer.output.shape) for layer in model.layers if isinstance(layer, keras.layers.Add)]


@pytest.mark.check(
    cell=CELL,
    points=2,
    artifact="ResNet50",
    title="ResNet50 has the right layers with the right output shapes and sizes",
    concept="ResNet50's layers differ from the architecture: compare the stem (ZeroPadding 3, Conv 64 7x7 "
    "stride 2, BatchNorm, ReLU, MaxPool 3x3 stride 2) and the head (AveragePooling 2x2, Flatten, Dense "
    "softmax) with the description, and the filters of each stage.",
)
def test_layer_inventory(artifacts, probe_report):
    student = _student(artifacts, probe_report, 0)
    assert _inventory(student) == _inventory(reference.resnet50())


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="ResNet50",
    title="the four stages have 3, 4, 6 and 3 blocks with strides 1, 2, 2, 2",
    concept="The stages are wrong: each stage is one convolutional block followed by 2, 3, 5 and 2 identity "
    "blocks, and the convolutional blocks use strides 1, 2, 2 and 2.",
)
def test_stages(artifacts, probe_report):
    student = _student(artifacts, probe_report, 0)
    assert _stage_outputs(student) == _stage_outputs(reference.resnet50())


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="ResNet50",
    title="ResNet50 has 23,608,202 parameters for 64x64x3 inputs and 10 classes",
    concept="The parameter count of ResNet50 is off: count again the filters of every stage and the width "
    "of the final Dense layer (`classes`).",
)
def test_parameter_count(artifacts, probe_report):
    assert _student(artifacts, probe_report, 0).count_params() == RESNET50_PARAMETERS


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="ResNet50",
    title="ResNet50 honours its input_shape and classes arguments",
    concept="ResNet50 ignores its arguments: build the Input from `input_shape` and the last Dense layer "
    "from `classes` instead of fixed numbers.",
)
def test_arguments(artifacts, probe_report):
    shape, classes = probe_plan.RESNET_CASES[1]
    student = _student(artifacts, probe_report, 1)
    assert _inventory(student) == _inventory(reference.resnet50(shape, classes))


def test_reference_count():
    assert reference.resnet50().count_params() == RESNET50_PARAMETERS

"""ResNet50's own code is graded with the reference blocks where the student's blocks were called, so a
wrong block costs its own cell's points only; one small check runs the student's whole pipeline."""

import keras
import pytest

from grader.hidden_tests import explain, keras_graph
from grader.hidden_tests.resnets import checks, probe_plan, reference

CELL = "resnet50_tests"
SHAPES = list(enumerate(probe_plan.RESNET_CASES))


# Building a ResNet-50 takes about a second: each network below is built once per judge.  The checks
# only read them, and every comparison first gives both networks the same fresh random weights.
_built: dict[tuple, keras.Model] = {}


def _once(key: tuple, build) -> keras.Model:
    if key not in _built:
        _built[key] = build()
    return _built[key]


def _student(artifacts, probe_report, i):
    """The student's ResNet50 called with marker blocks (probe_plan.Markers)."""
    checks.saved_model_status(probe_report, "ResNet50")  # before the cache: each check fails on its own
    return _once(("student", artifacts, i), lambda: keras_graph.load(artifacts / f"resnet_markers_{i}.keras"))


def _with_reference_blocks(artifacts, probe_report, i):
    student = _student(artifacts, probe_report, i)
    return _once(("with reference blocks", artifacts, i), lambda: checks.with_reference_blocks(student))


def _with_markers(i):
    def build():
        shape, classes = probe_plan.RESNET_CASES[i]
        markers = probe_plan.Markers()
        return reference.resnet50(shape, classes, markers.identity_block, markers.convolutional_block)

    return _once(("markers", i), build)


def _last_block(model) -> str:
    depth = keras_graph.depths(model)
    return max((layer.name for layer in model.layers if checks.block_call(layer.name)), key=depth.get)


def _input(model) -> str:
    return next(layer.name for layer in model.layers if isinstance(layer, keras.layers.InputLayer))


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="ResNet50",
    title="ResNet50 calls the blocks of the four stages with the right filters, f and strides",
    concept="The stages are wrong: each stage calls convolutional_block once and then identity_block 2, 3, 5 "
    "and 2 times, with f = 3, the stage's filters and strides 1, 2, 2 and 2.",
)
def test_stages(artifacts, probe_report):
    for i, _ in SHAPES:
        assert checks.block_calls(_student(artifacts, probe_report, i)) == checks.block_calls(
            _with_markers(i)
        )


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="ResNet50",
    title="the stem is ZeroPadding, Conv 7x7 stride 2, BatchNorm, ReLU, MaxPool 3x3 stride 2, in this order",
    concept="The stem differs from the notebook's: ZeroPadding2D((3, 3)) → Conv2D(64, (7, 7), "
    "strides=(2, 2)) with glorot_uniform(seed=0) → BatchNormalization(axis=3) → ReLU → "
    "MaxPooling2D((3, 3), strides=(2, 2)).",
)
def test_stem(artifacts, probe_report, request):
    student, ours = _student(artifacts, probe_report, 0), _with_markers(0)
    theirs = [checks.describe(layer) for layer in checks.chain(student, _input(student), _is_block)]
    expected = [checks.describe(layer) for layer in checks.chain(ours, _input(ours), _is_block)]
    if theirs != expected:
        explain.concept(request, checks.difference("stem", theirs, expected))
    assert theirs == expected


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="ResNet50",
    title='the head is AveragePooling2D((2, 2)), Flatten and Dense(classes, activation="softmax")',
    concept="The head differs from the notebook's: AveragePooling2D((2, 2)) → Flatten() → "
    'Dense(classes, activation="softmax") with glorot_uniform(seed=0), right after the last block.',
)
def test_head(artifacts, probe_report, request):
    student, ours = _student(artifacts, probe_report, 0), _with_markers(0)
    theirs = checks.head_descriptions(checks.chain(student, _last_block(student), lambda layer: False))
    expected = checks.head_descriptions(checks.chain(ours, _last_block(ours), lambda layer: False))
    if theirs != expected:
        unactivated = [text.replace('"softmax"', '"linear"') for text in expected]
        explain.concept(
            request,
            'The head has no softmax: end ResNet50 with Dense(classes, activation="softmax"), which turns '
            "the scores into the class probabilities the training loss expects."
            if theirs == unactivated
            else checks.difference("head", theirs, expected),
        )
    assert theirs == expected


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="ResNet50",
    title="with correct blocks, ResNet50 computes ResNet-50's function (inference and training, two sizes)",
    concept="With correct blocks in place of yours, ResNet50 still computes another function than ResNet-50: "
    "compare its stem, the order of its stages and its head with the notebook's table.",
)
def test_outputs(artifacts, probe_report):
    for i, (shape, classes) in SHAPES:
        student = _with_reference_blocks(artifacts, probe_report, i)
        ours = reference.resnet50(shape, classes)
        assert keras_graph.align_by_position(student, ours, seed=50 + i)
        for training in (False, True):
            assert checks.same_outputs(student, ours, seed=60 + i, training=training)


@pytest.mark.check(
    cell=CELL,
    points=0.5,
    artifact="ResNet50",
    title="ResNet50 honours its input_shape and classes arguments",
    concept="ResNet50 ignores its arguments: build the Input from `input_shape` and the last Dense layer "
    "from `classes` instead of fixed numbers.",
)
def test_arguments(artifacts, probe_report):
    for i, (shape, classes) in SHAPES:
        student = _student(artifacts, probe_report, i)
        assert tuple(student.input_shape) == (None, *shape)
        assert tuple(student.output_shape) == (None, classes)


@pytest.mark.check(
    cell=CELL,
    points=0.5,
    artifact="ResNet50_with_your_blocks",
    title="your ResNet50 built from your own blocks works as a whole",
    concept="ResNet50 built from your own identity_block and convolutional_block differs from the same "
    "ResNet50 built from correct blocks.",
)
def test_whole_pipeline(artifacts, probe_report, request):
    try:
        student = checks.saved_architecture(
            artifacts, probe_report, "ResNet50_with_your_blocks", "resnet_own_blocks.json"
        )
        with_ours = _with_reference_blocks(artifacts, probe_report, 0)
        assert keras_graph.align_by_position(student, with_ours, seed=70)
        for training in (False, True):
            assert checks.same_outputs(student, with_ours, seed=71, training=training)
    except BaseException:  # pytest.fail too: the message names the block at fault
        explain.concept(request, _pipeline_fault(artifacts, probe_report))
        raise


def _is_block(layer) -> bool:
    return checks.block_call(layer.name) is not None


def _block_right(artifacts, probe_report, artifact, cases, reference_of, prefix) -> bool:
    if probe_report.get("artifacts", {}).get(artifact) != "ok":
        return False
    for i, case in cases:
        student = keras_graph.load(artifacts / f"{prefix}_{i}.keras")
        for training in (False, True):
            if not checks.outputs_match(student, reference_of(case), seed=80 + i, training=training):
                return False
    return True


def _pipeline_fault(artifacts, probe_report) -> str:
    """Names the block at fault (the one failing its own checks), for the message of a failed pipeline."""
    if probe_report.get("artifacts", {}).get("ResNet50") != "ok":
        return (
            "ResNet50 fails on its own (see its checks above), so it cannot be built from your blocks either."
        )
    wrong = [
        name
        for name, cases, reference_of, prefix in (
            ("identity_block", checks.IDENTITY, checks.identity_reference, "identity"),
            ("convolutional_block", checks.CONVOLUTIONAL, checks.convolutional_reference, "convolutional"),
        )
        if not _block_right(artifacts, probe_report, name, cases, reference_of, prefix)
    ]
    if not wrong:
        return (
            "ResNet50 built from your own blocks differs from the same ResNet50 built from correct blocks, "
            "though each block passes its own checks: make ResNet50 call identity_block and "
            "convolutional_block as defined above, with the arguments of the notebook's table."
        )
    return (
        f"ResNet50's own code is graded by the checks above; built from your own blocks it fails because "
        f"{' and '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong: fix "
        f"{'it' if len(wrong) == 1 else 'them'} as {'its' if len(wrong) == 1 else 'their'} own checks say."
    )

import keras
import numpy as np
import pytest

from grader.hidden_tests.transfer_learning import probe_plan, reference

CELL = "fine_tune_tests"


def _model(artifacts, probe_report, compile=False):
    return reference.saved_model(artifacts, probe_report, "fine_tune", "fine_tuned.keras", compile=compile)


def _expected_trainable(index, layer) -> bool:
    return index >= probe_plan.FINE_TUNE_AT and not isinstance(layer, keras.layers.BatchNormalization)


@pytest.mark.check(
    cell=CELL,
    points=2,
    artifact="fine_tune",
    title="exactly the base's layers from fine_tune_at on are trainable, BatchNorm excepted",
    concept="The wrong layers are trainable after fine_tune: unfreeze the base's layers from index "
    "fine_tune_at on, keep the earlier ones frozen, and keep every BatchNormalization layer frozen; "
    "the new head stays trainable.",
)
def test_trainable_layers(artifacts, probe_report):
    model = _model(artifacts, probe_report)
    base = reference.find_base(model)
    for index, layer in enumerate(base.layers):
        if layer.weights:
            assert layer.trainable == _expected_trainable(index, layer)
            assert bool(layer.trainable_weights) == _expected_trainable(index, layer)
    assert model.layers[-1].trainable_weights


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="fine_tune",
    title="a fine-tuning step leaves BatchNorm statistics and the frozen layers untouched",
    concept="Fine-tuning changes what it should not: during training, BatchNorm layers that are "
    "trainable overwrite their ImageNet statistics even when the base was called with training=False, "
    "so they must stay frozen, like every layer below fine_tune_at.",
)
def test_fine_tuning_step(artifacts, probe_report):
    model = _model(artifacts, probe_report)
    base = reference.find_base(model)
    statistics = reference.batch_norm_statistics(base)
    lower = [reference.values(layer) for layer in base.layers[: probe_plan.FINE_TUNE_AT]]
    upper = [reference.values(layer) for layer in base.layers[probe_plan.FINE_TUNE_AT :]]
    reference.training_step(model, compile_ours=True)
    assert reference.same(statistics, reference.batch_norm_statistics(base))
    for layer, before in zip(base.layers[: probe_plan.FINE_TUNE_AT], lower, strict=True):
        assert reference.same(before, reference.values(layer))
    moved = [
        layer.name
        for layer, before in zip(base.layers[probe_plan.FINE_TUNE_AT :], upper, strict=True)
        if isinstance(layer, keras.layers.Conv2D | keras.layers.DepthwiseConv2D)
        and not reference.same(before, reference.values(layer))
    ]
    assert moved


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="fine_tune",
    title="fine_tune recompiles with Adam at base_learning_rate / 10",
    concept="The model is not recompiled with the smaller learning rate: fine-tuning uses Adam with a "
    "learning rate ten times smaller than the base_learning_rate argument.",
)
def test_learning_rate(artifacts, probe_report):
    model = _model(artifacts, probe_report, compile=True)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    rate = float(np.asarray(model.optimizer.learning_rate))
    assert np.isclose(rate, probe_plan.BASE_LEARNING_RATE / 10, rtol=1e-5)


@pytest.mark.check(
    cell=CELL,
    points=0.5,
    artifact="fine_tune",
    title="the fine-tuning loss is the sparse categorical cross-entropy on logits",
    concept="The recompiled loss does not match the model's output: the head outputs logits, so use "
    "the sparse categorical cross-entropy told that its inputs are logits.",
)
def test_loss(artifacts, probe_report):
    model = _model(artifacts, probe_report, compile=True)
    rng = np.random.default_rng(9)
    labels = np.arange(6) % probe_plan.NUM_CLASSES
    logits = rng.normal(0, 3, (6, probe_plan.NUM_CLASSES)).astype("float32")
    expected = np.mean(
        np.asarray(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
    )
    assert callable(model.loss)
    assert np.isclose(float(np.asarray(model.loss(labels, logits))), expected, rtol=1e-4)


@pytest.mark.check(
    cell=CELL,
    points=0.5,
    artifact="fine_tune",
    title='fine_tune compiles with the "accuracy" metric',
    concept='The recompiled model no longer reports its accuracy: compile with metrics=["accuracy"].',
)
def test_accuracy_metric(artifacts, probe_report):
    metrics = _model(artifacts, probe_report, compile=True).get_compile_config().get("metrics") or []
    names = [m for m in keras.tree.flatten(metrics) if isinstance(m, str)]  # a metric object's class_name too
    assert {"accuracy", "acc", "sparse_categorical_accuracy", "SparseCategoricalAccuracy"} & set(names)

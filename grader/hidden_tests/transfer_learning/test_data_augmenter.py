import json

import keras
import numpy as np
import pytest

from grader.hidden_tests.transfer_learning import probe_plan, reference

CELL = "data_augmenter_tests"


def _augmenter(artifacts, probe_report):
    return reference.saved_model(artifacts, probe_report, "data_augmenter", "augmenter.keras")


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="data_augmenter",
    title="data_augmenter is a Sequential of a horizontal RandomFlip and a RandomRotation of 0.2",
    concept="The augmentation model is not the one described: a Sequential model with a random "
    "left-right flip followed by a random rotation of up to a fifth of a turn, and nothing else.",
)
def test_layers(artifacts, probe_report):
    model = _augmenter(artifacts, probe_report)
    evidence = json.loads((artifacts / "augmenter.json").read_text())
    assert evidence["type"] == "Sequential"
    (augmenter,) = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert isinstance(augmenter, keras.Sequential)
    flip, rotation = reference.leaves(augmenter)
    assert isinstance(flip, keras.layers.RandomFlip) and flip.mode == "horizontal"
    assert isinstance(rotation, keras.layers.RandomRotation)
    factor = np.ravel(rotation.get_config()["factor"]).astype(float)
    assert np.allclose(np.abs(factor), 0.2)


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="data_augmenter",
    title="the augmentation changes images while training and leaves them untouched at inference",
    concept="The augmentation should be random while training and do nothing at inference time: use "
    "Keras' random preprocessing layers, which switch off by themselves when training=False.",
)
def test_training_only(artifacts, probe_report):
    model = _augmenter(artifacts, probe_report)
    images = np.random.default_rng(5).uniform(0, 255, (8, *probe_plan.AUGMENTER_SHAPE)).astype("float32")
    inference = np.asarray(model(images, training=False))
    assert inference.shape == images.shape and np.allclose(inference, images, atol=1e-4)
    changed = [not np.allclose(np.asarray(model(images, training=True)), images, atol=1.0) for _ in range(3)]
    assert all(changed)

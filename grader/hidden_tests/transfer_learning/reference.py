"""The grader's own pieces for the transfer learning checks, written independently of the solution.

Everything here works on models reloaded from the probe's `.keras` files with safe_mode=True, in a
process that never runs student code.
"""

import functools

import keras
import numpy as np
import pytest

from grader.hidden_tests.transfer_learning import probe_plan

MOBILENET_V2_PARAMETERS = 2_257_984  # alpha 1.0, include_top=False


def saved_model(artifacts, probe_report, artifact: str, filename: str, compile: bool = False):
    status = probe_report.get("artifacts", {}).get(artifact, "not built")
    if status != "ok":
        pytest.fail(f"{artifact}: {status}")
    return keras.saving.load_model(artifacts / filename, compile=compile, safe_mode=True)


def leaves(layer) -> list:
    """The layer itself, or the innermost layers of a nested model."""
    inner = getattr(layer, "layers", None)
    if inner is None:
        return [layer]
    return [leaf for child in inner for leaf in leaves(child)]


def find_base(model):
    """The one nested model holding BatchNorm layers (the MobileNetV2)."""
    found = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.Model)
        and any(isinstance(inner, keras.layers.BatchNormalization) for inner in layer.layers)
    ]
    assert len(found) == 1, "the model must hold exactly one MobileNetV2"
    return found[0]


def base_node(model, base):
    """The node where the outer model calls the base (its input tensor and call arguments)."""
    nodes = [node for depth in model._nodes_by_depth.values() for node in depth if node.operation is base]
    assert len(nodes) == 1, "the base must be called exactly once"
    return nodes[0]


def called_in_inference_mode(node) -> bool:
    arguments = node.arguments
    if "training" in arguments.kwargs:
        return arguments.kwargs["training"] is False
    return len(arguments.args) > 1 and arguments.args[1] is False


def ancestors(model, name: str) -> set[str]:
    from grader.hidden_tests import keras_graph

    inputs = keras_graph.graph(model)
    seen, todo = set(), list(inputs.get(name, []))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += inputs.get(current, [])
    return seen


@functools.cache
def imagenet_weights() -> list[np.ndarray]:
    """MobileNetV2's ImageNet weights as Keras loads them (KERAS_HOME is set for the grader too)."""
    shape = (*probe_plan.IMAGE_SHAPE, 3)
    base = keras.applications.MobileNetV2(input_shape=shape, include_top=False, weights="imagenet")
    return [np.asarray(weight) for weight in base.weights]


def batch_norm_statistics(base) -> list[np.ndarray]:
    return [
        np.asarray(variable)
        for layer in base.layers
        if isinstance(layer, keras.layers.BatchNormalization)
        for variable in (layer.moving_mean, layer.moving_variance)
    ]


def values(layer_or_model) -> list[np.ndarray]:
    return [np.asarray(weight) for weight in layer_or_model.weights]


def same(before: list[np.ndarray], after: list[np.ndarray]) -> bool:
    return len(before) == len(after) and all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def photos(count: int, seed: int) -> np.ndarray:
    """Random images with raw pixel values, in the probe's image shape."""
    shape = (count, *probe_plan.IMAGE_SHAPE, 3)
    return np.random.default_rng(seed).uniform(0, 255, shape).astype("float32")


def training_step(model, compile_ours: bool, seed: int = 0) -> None:
    """One real optimisation step on a batch of 8 photos (fit's training=True reaches every layer).
    Run eagerly: tracing MobileNetV2's training step would take longer than the step itself."""
    if compile_ours:
        model.compile(
            optimizer=keras.optimizers.Adam(0.01),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            run_eagerly=True,
        )
    labels = np.arange(8) % probe_plan.NUM_CLASSES
    model.train_on_batch(photos(8, seed), labels)

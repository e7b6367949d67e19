"""Shared pieces of the ResNets hidden checks."""

import json
import re

import keras
import numpy as np
import pytest

from grader.hidden_tests import keras_graph
from grader.hidden_tests.resnets import probe_plan, reference

MARKER = re.compile(
    rf"^{probe_plan.MARKER_PREFIX}(identity|convolutional)_\d+_f(\d+)_s(\d+)_(\d+)_(\d+)_(\d+)$"
)


def saved_model_status(probe_report, artifact: str) -> None:
    """Fails the check unless the probe built `artifact`."""
    status = probe_report.get("artifacts", {}).get(artifact, "not built")
    if status != "ok":
        pytest.fail(f"{artifact}: {status}")


def saved_model(artifacts, probe_report, artifact: str, filename: str):
    saved_model_status(probe_report, artifact)
    return keras_graph.load(artifacts / filename)


def saved_architecture(artifacts, probe_report, artifact: str, filename: str):
    saved_model_status(probe_report, artifact)
    return keras.models.model_from_json(json.loads((artifacts / filename).read_text())["config"])


def outputs_match(student, reference_model, seed: int, training: bool) -> bool:
    if not keras_graph.align_random_weights(student, reference_model, seed):
        return False
    return same_outputs(student, reference_model, seed, training)


def same_outputs(student, reference_model, seed: int, training: bool) -> bool:
    x = np.random.default_rng(seed + 1).normal(0, 1, (4, *reference_model.input_shape[1:])).astype("float32")
    ours = reference_model(x, training=training)
    theirs = student(x, training=training)
    if tuple(theirs.shape) != tuple(ours.shape):
        return False
    return np.allclose(np.asarray(theirs), np.asarray(ours), rtol=1e-4, atol=1e-4)


def identity_reference(case):
    shape, f, filters = case
    return reference.block_model(reference.identity_block, shape, f=f, filters=filters)


def convolutional_reference(case):
    shape, f, filters, s = case
    return reference.block_model(reference.convolutional_block, shape, f=f, filters=filters, s=s)


def block_call(name: str):
    """(kind, f, filters, s) of a marker layer's name, None for any other layer."""
    match = MARKER.match(name)
    if match is None:
        return None
    kind, f, s, *filters = match.groups()
    return kind, int(f), tuple(int(value) for value in filters), int(s)


def block_calls(model) -> list[tuple]:
    """The blocks a network built from marker blocks calls, from its input to its output."""
    depth = keras_graph.depths(model)
    layers = sorted(model.layers, key=lambda layer: depth[layer.name])
    return [call for call in map(block_call, (layer.name for layer in layers)) if call]


def with_reference_blocks(model):
    """A network built from marker blocks, rebuilt (never run: it is a saved graph) with the reference
    blocks where the markers are; every other layer keeps its configuration, with fresh weights."""

    def clone(layer):
        config = layer.get_config()
        config["name"] = f"student_{layer.name}"  # never clashes with the reference blocks' names
        return type(layer).from_config(config)

    def call(layer, *args, **kwargs):
        found = block_call(layer.name.removeprefix("student_"))
        if found is None:
            return layer(*args, **kwargs)
        kind, f, filters, s = found
        if kind == "identity":
            return reference.identity_block(args[0], f, list(filters))
        return reference.convolutional_block(args[0], f, list(filters), s=s)

    return keras.models.clone_model(model, clone_function=clone, call_function=call)


IDENTITY = list(enumerate(probe_plan.IDENTITY_CASES))
CONVOLUTIONAL = list(enumerate(probe_plan.CONVOLUTIONAL_CASES))


def _pair(value) -> str:
    return f"({', '.join(str(v) for v in value)})"


def _initializer(config) -> str:
    found = config.get("kernel_initializer") or {}
    seed = (found.get("config") or {}).get("seed")
    return f"kernel_initializer={found.get('class_name')}(seed={seed})"


def describe(layer) -> str:
    """A layer as the notebook writes it, with the settings the notebook specifies."""
    config, kind = layer.get_config(), keras_graph.kind(layer)
    if kind == "Activation:relu":
        return "ReLU"
    if kind.startswith("Activation:"):
        return f'Activation("{kind.split(":", 1)[1]}")'
    if isinstance(layer, keras.layers.ZeroPadding2D):
        (top, bottom), (left, right) = config["padding"]
        return f"ZeroPadding2D({_pair((top, left)) if (top, left) == (bottom, right) else config['padding']})"
    if isinstance(layer, keras.layers.Conv2D):
        size = f"{layer.filters}, {_pair(layer.kernel_size)}, strides={_pair(layer.strides)}"
        return f'Conv2D({size}, padding="{layer.padding}", {_initializer(config)})'
    if isinstance(layer, keras.layers.BatchNormalization):
        axis = config["axis"][0] if isinstance(config["axis"], list | tuple) else config["axis"]
        return f"BatchNormalization(axis={3 if axis in (-1, 3) else axis})"  # -1 is axis 3 of an image batch
    if isinstance(layer, keras.layers.MaxPooling2D | keras.layers.AveragePooling2D):
        size = f"{_pair(layer.pool_size)}, strides={_pair(layer.strides)}"
        return f'{type(layer).__name__}({size}, padding="{layer.padding}")'
    if isinstance(layer, keras.layers.Dense):
        activation = keras.activations.serialize(layer.activation)
        return f'Dense({layer.units}, activation="{activation}", {_initializer(config)})'
    return f"{type(layer).__name__}()"


def chain(model, start: str, stop) -> list:
    """The layers after `start`, one consumer after the other, until stop(layer) or a fork."""
    found, current = [], start
    while True:
        after = keras_graph.consumers(model, current)
        if len(after) != 1 or stop(model.get_layer(after[0])):
            return found
        current = after[0]
        found.append(model.get_layer(current))


def head_descriptions(layers) -> list[str]:
    """Dense then Activation("softmax") is the same head as Dense(activation="softmax")."""
    found = [describe(layer) for layer in layers]
    if len(found) >= 2 and found[-1] == 'Activation("softmax")' and 'activation="linear"' in found[-2]:
        found[-2:] = [found[-2].replace('activation="linear"', 'activation="softmax"')]
    return found


def difference(part: str, theirs: list[str], ours: list[str]) -> str:
    """What a chain of layers does differently, in words (layer settings only: no student text)."""
    expected = " → ".join(ours)
    theirs = [text[:120] for text in theirs[:12]]
    if sorted(theirs) == sorted(ours):
        return (
            f"The {part} has the right layers in the wrong order: {' → '.join(theirs)} instead of {expected}."
        )
    for step, (mine, right) in enumerate(zip(theirs, ours, strict=False), start=1):
        if mine != right:
            return f"The {part} differs at step {step}: {mine} where the notebook has {right} ({expected})."
    if len(theirs) < len(ours):
        return f"The {part} stops after step {len(theirs)}: the notebook's is {expected}."
    return f"The {part} has layers after the notebook's {expected}: {' → '.join(theirs[len(ours) :])}."

"""Read a saved Keras functional model as a graph, and align its weights with a reference's.

Weights are matched by what a layer *is* (a conv by kernel shape and stride, a BatchNorm by the
conv that feeds it), never by creation order, so any correct way of writing a block passes.
"""

import keras
import numpy as np


def load(path):
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def _histories(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        history = (
            node.get("config", {}).get("keras_history")
            if node.get("class_name") == "__keras_tensor__"
            else None
        )
        if history:
            found.append(history[0])
        else:
            for value in node.values():
                found += _histories(value)
    elif isinstance(node, list | tuple):
        for value in node:
            found += _histories(value)
    return found


def graph(model) -> dict[str, list[str]]:
    """layer name -> names of the layers whose outputs it consumes."""
    return {layer["name"]: _histories(layer["inbound_nodes"]) for layer in model.get_config()["layers"]}


def kind(layer) -> str:
    """Class name, with the two spellings of ReLU treated as one."""
    name = type(layer).__name__
    if name == "Activation":
        return f"Activation:{keras.activations.serialize(layer.activation)}"
    return "Activation:relu" if name == "ReLU" else name


def consumers(model, name: str) -> list[str]:
    return [layer for layer, sources in graph(model).items() if name in sources]


def weight_keys(model) -> dict[tuple, keras.layers.Layer]:
    """A key naming each weighted layer by its role; raises ValueError on an unexpected layer."""
    inputs = graph(model)
    keys = {}
    for layer in model.layers:
        if not layer.weights:
            continue
        if isinstance(layer, keras.layers.Conv2D):
            key = ("conv", tuple(layer.kernel.shape), tuple(layer.strides), len(layer.weights))
        elif isinstance(layer, keras.layers.BatchNormalization):
            feeding = [model.get_layer(name) for name in inputs[layer.name]]
            if len(feeding) != 1 or not isinstance(feeding[0], keras.layers.Conv2D):
                raise ValueError("a BatchNormalization layer is not fed by a convolution")
            conv = feeding[0]
            key = ("bn", tuple(conv.kernel.shape), tuple(conv.strides), len(layer.weights))
        else:
            raise ValueError(f"unexpected layer with weights: {type(layer).__name__}")
        if key in keys:
            raise ValueError("two layers play the same role")
        keys[key] = layer
    return keys


def random_weights(key, shapes, rng) -> list[np.ndarray]:
    if key[0] == "conv":
        fan_in = np.prod(shapes[0][:-1])
        return [rng.normal(0, 1 / np.sqrt(fan_in), s).astype("float32") for s in shapes[:1]] + [
            rng.normal(0, 0.1, s).astype("float32") for s in shapes[1:]
        ]
    gamma, beta, mean, var = shapes
    return [
        rng.uniform(0.5, 1.5, gamma).astype("float32"),
        rng.normal(0, 0.2, beta).astype("float32"),
        rng.normal(0, 0.2, mean).astype("float32"),
        rng.uniform(0.5, 1.5, var).astype("float32"),
    ]


def align_random_weights(student, reference, seed: int) -> bool:
    """Give both models the same random weights role by role; False if their layers differ."""
    try:
        theirs, ours = weight_keys(student), weight_keys(reference)
    except ValueError:
        return False
    if sorted(theirs) != sorted(ours):
        return False
    rng = np.random.default_rng(seed)
    for key in sorted(ours):
        values = random_weights(key, [tuple(w.shape) for w in ours[key].weights], rng)
        ours[key].set_weights(values)
        theirs[key].set_weights(values)
    return True


def depths(model) -> dict[str, int]:
    """layer name -> length of the longest path from an input to it."""
    inputs, found = graph(model), {}

    def depth(name):  # ResNet-50 is under 200 layers deep: recursion is fine
        if name not in found:
            found[name] = 1 + max((depth(source) for source in inputs[name]), default=-1)
        return found[name]

    for name in inputs:
        depth(name)
    return found


def _role(layer) -> tuple:
    shapes = tuple(tuple(weight.shape) for weight in layer.weights)
    if isinstance(layer, keras.layers.Conv2D):
        return ("conv", shapes, tuple(layer.strides))
    if isinstance(layer, keras.layers.BatchNormalization):
        return ("bn", shapes)
    if isinstance(layer, keras.layers.Dense):
        return ("dense", shapes)
    raise ValueError(f"unexpected layer with weights: {type(layer).__name__}")


def position_keys(model) -> dict[tuple, keras.layers.Layer]:
    """A key naming each weighted layer by its kind, weight shapes and rank by depth among its kind.

    A whole network repeats blocks of equal shapes, so shapes alone cannot tell layers apart, but
    their depth can: in ResNet-50 no two layers of the same kind and shapes lie at the same depth."""
    depth, groups = depths(model), {}
    for layer in model.layers:
        if layer.weights:
            groups.setdefault(_role(layer), []).append(layer)
    keys = {}
    for role, members in groups.items():
        members.sort(key=lambda layer: depth[layer.name])
        if len({depth[layer.name] for layer in members}) != len(members):
            raise ValueError("two layers play the same role at the same depth")
        keys |= {(role, rank): layer for rank, layer in enumerate(members)}
    return keys


def align_by_position(student, reference, seed: int) -> bool:
    """align_random_weights for whole networks: layers matched by position_keys."""
    try:
        theirs, ours = position_keys(student), position_keys(reference)
    except ValueError:
        return False
    if sorted(theirs, key=repr) != sorted(ours, key=repr):
        return False
    rng = np.random.default_rng(seed)
    for key in sorted(ours, key=repr):
        shapes = [tuple(w.shape) for w in ours[key].weights]
        kind = (
            "bn" if key[0][0] == "bn" else "conv"
        )  # a Dense layer's kernel and bias are drawn like a conv's
        if kind == "bn" and len(shapes) != 4:
            return False
        values = random_weights((kind,), shapes, rng)
        ours[key].set_weights(values)
        theirs[key].set_weights(values)
    return True

"""Public tests for the ResNets lab: quick checks you can run as often as you like.

Passing them is necessary, not sufficient: the grader's hidden checks use other shapes, strides
and inputs, and judge your functions outside this notebook.
"""

import numpy as np
import tensorflow as tf
from tensorflow.keras import Input, Model
from tensorflow.keras.initializers import constant

# Outputs of a correct block on the inputs below (sums over the whole output tensor).
IDENTITY_EXPECTED = {"inference": 44.7769, "training": 75.5425}
CONVOLUTIONAL_EXPECTED = {"inference": 4.8435, "training": 44.4415}


def _example_input(shape):
    return np.random.default_rng(1).normal(0, 1, shape).astype("float32")


def _count(model, layer_type):
    return sum(isinstance(layer, layer_type) for layer in model.layers)


def _check_layers(model, convolutions):
    for layer_type, expected in [
        (tf.keras.layers.Conv2D, convolutions),
        (tf.keras.layers.BatchNormalization, convolutions),
        (tf.keras.layers.Add, 1),
    ]:
        found = _count(model, layer_type)
        assert found == expected, f"expected {expected} {layer_type.__name__} layers, found {found}"


def _check_sums(model, x, expected):
    for mode, training in [("inference", False), ("training", True)]:
        total = float(tf.reduce_sum(model(x, training=training)))
        assert np.isclose(total, expected[mode], rtol=1e-3), (
            f"{mode} mode: output sum {total:.4f}, expected {expected[mode]:.4f}"
        )


def check_identity_block(identity_block):
    inputs = Input((4, 4, 3))
    outputs = identity_block(inputs, f=2, filters=[2, 4, 3], initializer=lambda seed: constant(0.1))
    assert tuple(outputs.shape) == (None, 4, 4, 3), f"output shape {outputs.shape}, expected (None, 4, 4, 3)"
    model = Model(inputs, outputs)
    _check_layers(model, convolutions=3)
    _check_sums(model, _example_input((3, 4, 4, 3)), IDENTITY_EXPECTED)
    print("All public tests of identity_block passed.")


def check_convolutional_block(convolutional_block):
    inputs = Input((4, 4, 3))
    outputs = convolutional_block(inputs, f=2, filters=[2, 4, 6], s=2, initializer=lambda seed: constant(0.1))
    assert tuple(outputs.shape) == (None, 2, 2, 6), f"output shape {outputs.shape}, expected (None, 2, 2, 6)"
    model = Model(inputs, outputs)
    _check_layers(model, convolutions=4)
    _check_sums(model, _example_input((3, 4, 4, 3)), CONVOLUTIONAL_EXPECTED)
    print("All public tests of convolutional_block passed.")


def check_resnet50(model):
    assert tuple(model.input_shape) == (None, 64, 64, 3), f"input shape {model.input_shape}"
    assert tuple(model.output_shape) == (None, 10), f"output shape {model.output_shape}"
    assert _count(model, tf.keras.layers.Add) == 16, "ResNet-50 has 16 residual blocks"
    assert model.count_params() == 23_608_202, f"{model.count_params():,} parameters, expected 23,608,202"
    print("All public tests of ResNet50 passed.")

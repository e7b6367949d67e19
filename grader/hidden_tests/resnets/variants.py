"""Realistic ResNets submissions: the solution, the untouched release, common mistakes, cheats."""

from grader.submissions import Variant

ADD_THEN_RELU = '    X = Add()([X, X_shortcut])\n    X = Activation("relu")(X)'
RELU_THEN_ADD = '    X = Activation("relu")(X)\n    X = Add()([X, X_shortcut])'
PROJECTION = (
    "    X_shortcut = Conv2D(F3, (1, 1), strides=(s, s), kernel_initializer=initializer(seed=0))"
    "(X_shortcut)\n"
    "    X_shortcut = BatchNormalization(axis=3)(X_shortcut)\n"
)

VARIANTS = [
    Variant("solution", "the instructor's solution"),
    Variant("untouched", "the release as downloaded, nothing answered", untouched=True),
    Variant(
        "shortcut_after_relu",
        "adds the shortcut after the final ReLU in both blocks",
        edits={
            "identity_block": [(ADD_THEN_RELU, RELU_THEN_ADD)],
            "convolutional_block": [(ADD_THEN_RELU, RELU_THEN_ADD)],
        },
    ),
    Variant(
        "no_projection",
        "convolutional block whose shortcut has no 1x1 projection",
        edits={"convolutional_block": [(PROJECTION, "")]},
    ),
    Variant(
        "wrong_stage",
        "ResNet50 with 4 instead of 5 identity blocks in the third stage",
        edits={"resnet50": [("([256, 256, 1024], 2, 5)", "([256, 256, 1024], 2, 4)")]},
    ),
    Variant(
        "cheat",
        "returns its input unchanged and fakes numpy and the public tests",
        edits={"identity_block": [("    X_shortcut = X\n", "    return X\n")]},
        append={
            "identity_block": """


import numpy

numpy.isclose = lambda *args, **kwargs: True
numpy.allclose = lambda *args, **kwargs: True
public_tests.check_identity_block = lambda f: print("All public tests of identity_block passed.")
"""
        },
    ),
]

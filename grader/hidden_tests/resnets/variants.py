"""Realistic ResNets submissions: the solution, the untouched release, common mistakes, cheats."""

from grader.submissions import Variant

ADD_THEN_RELU = '    X = Add()([X, X_shortcut])\n    X = Activation("relu")(X)'
RELU_THEN_ADD = '    X = Activation("relu")(X)\n    X = Add()([X, X_shortcut])'
SKIP_CONNECTION = '    X = Add()([X, X_shortcut])\n    X = Activation("relu")(X)\n'
LAST_NORM = "    X = BatchNormalization(axis=3)(X)\n\n    X = Add()"
STEM_ORDER = '    X = BatchNormalization(axis=3)(X)\n    X = Activation("relu")(X)\n    X = MaxPooling2D'
STEM_SWAPPED = '    X = Activation("relu")(X)\n    X = BatchNormalization(axis=3)(X)\n    X = MaxPooling2D'
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
    # One mistake in one function each: it must cost that function's points only (issue 15).
    Variant(
        "identity_no_shortcut",
        "identity block that forgets the skip connection",
        edits={"identity_block": [(SKIP_CONNECTION, '    X = Activation("relu")(X)\n')]},
    ),
    Variant(
        "identity_no_last_norm",
        "identity block without the BatchNorm after its last convolution",
        edits={"identity_block": [(LAST_NORM, "\n    X = Add()")]},
    ),
    Variant(
        "identity_middle_1x1",
        "identity block whose middle convolution, copied from the first, keeps its 1x1 kernel",
        edits={"identity_block": [("Conv2D(F2, (f, f)", "Conv2D(F2, (1, 1)")]},
    ),
    Variant(
        "no_softmax",
        "ResNet50 whose Dense head has no softmax",
        edits={"resnet50": [('Dense(classes, activation="softmax", ', "Dense(classes, ")]},
    ),
    Variant(
        "stem_relu_before_norm",
        "ResNet50 whose stem applies the ReLU before the BatchNorm",
        edits={"resnet50": [(STEM_ORDER, STEM_SWAPPED)]},
    ),
    Variant(
        "shortcut_default_initializer",
        "convolutional block whose shortcut convolution ignores the initializer argument",
        edits={
            "convolutional_block": [
                (
                    "strides=(s, s), kernel_initializer=initializer(seed=0))(X_shortcut)",
                    "strides=(s, s))(X_shortcut)",
                )
            ]
        },
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

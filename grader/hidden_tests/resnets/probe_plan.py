"""What the probe builds from a ResNets submission: blocks on the grader's shapes, and ResNet50.

This file is copied next to student code, which can read it: it holds marker blocks, never a
reference block.  ResNet50 is built twice: with marker blocks in place of the student's, so the judge
can grade ResNet50's own code with its reference blocks put where the markers are (a wrong block is
charged once, in its own cell), and with the student's own blocks, for the check that the pieces work
together.
"""

import json

import keras

# (input shape, f, filters, stride) chosen with distinct channel counts, so every layer's weights
# can be matched to the reference by shape whatever order a student creates the layers in.
IDENTITY_CASES = [((5, 5, 12), 3, (4, 7, 12)), ((6, 7, 9), 2, (5, 3, 9)), ((4, 4, 16), 1, (6, 10, 16))]
CONVOLUTIONAL_CASES = [
    ((8, 8, 6), 3, (4, 5, 10), 1),
    ((9, 9, 5), 3, (3, 7, 11), 2),
    ((12, 12, 4), 2, (6, 5, 9), 4),
]
RESNET_CASES = [((64, 64, 3), 10), ((96, 96, 3), 6)]
MARKER_PREFIX = "grader_marker_"
BLOCKS = ("identity_block", "convolutional_block")


def _save_block(namespace, name, shape, out_path, **kwargs):
    inputs = keras.Input(shape)
    model = keras.Model(inputs, namespace[name](inputs, **kwargs))
    model.save(out_path)


def build_identity_blocks(namespace, out):
    for i, (shape, f, filters) in enumerate(IDENTITY_CASES):
        _save_block(
            namespace, "identity_block", shape, out / f"identity_{i}.keras", f=f, filters=list(filters)
        )
    initializer = keras.initializers.HeNormal
    _save_block(
        namespace,
        "identity_block",
        IDENTITY_CASES[0][0],
        out / "identity_he.keras",
        f=3,
        filters=list(IDENTITY_CASES[0][2]),
        initializer=initializer,
    )


def build_convolutional_blocks(namespace, out):
    for i, (shape, f, filters, s) in enumerate(CONVOLUTIONAL_CASES):
        _save_block(
            namespace,
            "convolutional_block",
            shape,
            out / f"convolutional_{i}.keras",
            f=f,
            filters=list(filters),
            s=s,
        )
    shape, f, filters, s = CONVOLUTIONAL_CASES[1]
    _save_block(
        namespace,
        "convolutional_block",
        shape,
        out / "convolutional_he.keras",
        f=f,
        filters=list(filters),
        s=s,
        initializer=keras.initializers.HeNormal,
    )


class Markers:
    """Stand-ins for the two blocks with the notebook's signatures: one layer each, of the block's output
    shape, whose name records the call (kind, order, f, s, filters) for the judge to read back."""

    def __init__(self):
        self.calls = 0

    def _name(self, kind, f, filters, s):
        self.calls += 1
        f1, f2, f3 = (int(value) for value in filters)
        return f"{MARKER_PREFIX}{kind}_{self.calls}_f{int(f)}_s{int(s)}_{f1}_{f2}_{f3}"

    def identity_block(self, X, f, filters, initializer=None):
        return keras.layers.Identity(name=self._name("identity", f, filters, 1))(X)

    def convolutional_block(self, X, f, filters, s=2, initializer=None):
        name = self._name("convolutional", f, filters, s)
        return keras.layers.Conv2D(int(filters[2]), 1, strides=int(s), name=name)(X)


def build_resnets(namespace, out):
    """ResNet50's own code: the student's function, calling marker blocks."""
    saved = {name: namespace[name] for name in BLOCKS if name in namespace}
    try:
        for i, (shape, classes) in enumerate(RESNET_CASES):
            markers = Markers()
            namespace.update(
                identity_block=markers.identity_block, convolutional_block=markers.convolutional_block
            )
            namespace["ResNet50"](input_shape=shape, classes=classes).save(out / f"resnet_markers_{i}.keras")
    finally:
        for name in BLOCKS:
            namespace.pop(name, None)
        namespace.update(saved)


def build_resnet_with_own_blocks(namespace, out):
    """The whole student pipeline; its architecture only (23.6 M weights are not worth saving)."""
    shape, classes = RESNET_CASES[0]
    model = namespace["ResNet50"](input_shape=shape, classes=classes)
    (out / "resnet_own_blocks.json").write_text(json.dumps({"config": model.to_json()}))


ARTIFACTS = {
    "identity_block": build_identity_blocks,
    "convolutional_block": build_convolutional_blocks,
    "ResNet50": build_resnets,
    "ResNet50_with_your_blocks": build_resnet_with_own_blocks,
}

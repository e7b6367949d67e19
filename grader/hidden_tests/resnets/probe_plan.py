"""What the probe builds from a ResNets submission: blocks on the grader's shapes, and ResNet50."""

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


def build_resnets(namespace, out):
    for i, (shape, classes) in enumerate(RESNET_CASES):
        model = namespace["ResNet50"](input_shape=shape, classes=classes)
        (out / f"resnet_{i}.json").write_text(json.dumps({"config": model.to_json()}))


ARTIFACTS = {
    "identity_block": build_identity_blocks,
    "convolutional_block": build_convolutional_blocks,
    "ResNet50": build_resnets,
}

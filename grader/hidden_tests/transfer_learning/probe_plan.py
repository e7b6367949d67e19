"""What the probe builds from a transfer learning submission: models saved from the student's functions.

Shapes, class counts and learning rates differ from the notebook's, so hard-coded answers fail.  The
probe runs student code, so what it records is evidence only: the verdicts are computed from the
reloaded `.keras` files in the hidden tests' own process.
"""

import json

import keras

AUGMENTER_SHAPE = (36, 44, 3)
IMAGE_SHAPE = (72, 88)  # not a size MobileNetV2 ships weights for: Keras loads its 224 weights
NUM_CLASSES = 7
FINE_TUNE_AT = 100
BASE_LEARNING_RATE = 0.004
GRADER_AUGMENTATION = "grader_augmentation"


def build_augmenter(namespace, out):
    augmenter = namespace["data_augmenter"]()
    inputs = keras.Input(AUGMENTER_SHAPE)
    keras.Model(inputs, augmenter(inputs)).save(out / "augmenter.keras")
    (out / "augmenter.json").write_text(json.dumps({"type": type(augmenter).__name__}))


def build_transfer_models(namespace, out):
    model = namespace["transfer_model"](image_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES)
    model.save(out / "transfer_default.keras")
    custom = keras.layers.Identity(name=GRADER_AUGMENTATION)
    model = namespace["transfer_model"](
        image_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES, data_augmentation=custom
    )
    model.save(out / "transfer_custom.keras")


def build_fine_tuned(namespace, out):
    model = namespace["transfer_model"](image_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES)
    result = namespace["fine_tune"](model, fine_tune_at=FINE_TUNE_AT, base_learning_rate=BASE_LEARNING_RATE)
    model = model if result is None else result
    model.save(out / "fine_tuned.keras")
    evidence = {
        "optimizer": type(getattr(model, "optimizer", None)).__name__,
        "learning_rate": float(model.optimizer.learning_rate) if getattr(model, "optimizer", None) else None,
        "loss": str(getattr(model, "loss", None))[:300],
        "trainable": {
            layer.name: layer.trainable
            for outer in model.layers
            if isinstance(outer, keras.Model)
            for layer in outer.layers
        },
    }
    (out / "fine_tuned.json").write_text(json.dumps(evidence, indent=1))


ARTIFACTS = {
    "data_augmenter": build_augmenter,
    "transfer_model": build_transfer_models,
    "fine_tune": build_fine_tuned,
}

"""What the probe builds from a transfer learning submission: models saved from the student's functions.

Shapes, class counts and learning rates differ from the notebook's, so hard-coded answers fail.  The
probe runs student code, so what it records is evidence only: the verdicts are computed from the
reloaded `.keras` files in the hidden tests' own process.

Each graded function is built on its own, so a mistake is charged once, in its own cell: transfer_model
with a marker in place of data_augmenter, fine_tune on a model of the grader's own (student code reads
this file, so neither is a solution).  One small check builds transfer_model with the student's own
data_augmenter.
"""

import json

import keras

AUGMENTER_SHAPE = (36, 44, 3)
IMAGE_SHAPE = (72, 88)  # not a size MobileNetV2 ships weights for: Keras loads its 224 weights
NUM_CLASSES = 7
FINE_TUNE_AT = 100
BASE_LEARNING_RATE = 0.004
GRADER_AUGMENTATION = "grader_augmentation"
GRADER_DEFAULT_AUGMENTATION = "grader_default_augmentation"  # what the marker data_augmenter returns


def build_augmenter(namespace, out):
    augmenter = namespace["data_augmenter"]()
    inputs = keras.Input(AUGMENTER_SHAPE)
    keras.Model(inputs, augmenter(inputs)).save(out / "augmenter.keras")
    (out / "augmenter.json").write_text(json.dumps({"type": type(augmenter).__name__}))


def _marker_augmenter():
    return keras.Sequential([keras.layers.Identity()], name=GRADER_DEFAULT_AUGMENTATION)


def build_transfer_models(namespace, out):
    saved = namespace.get("data_augmenter")
    namespace["data_augmenter"] = _marker_augmenter  # transfer_model's own code, whatever data_augmenter does
    try:
        model = namespace["transfer_model"](image_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES)
    finally:
        namespace["data_augmenter"] = saved
    model.save(out / "transfer_default.keras")
    custom = keras.layers.Identity(name=GRADER_AUGMENTATION)
    model = namespace["transfer_model"](
        image_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES, data_augmentation=custom
    )
    model.save(out / "transfer_custom.keras")


def build_transfer_with_own_augmenter(namespace, out):
    model = namespace["transfer_model"](image_shape=IMAGE_SHAPE, num_classes=NUM_CLASSES)
    model.save(out / "transfer_own_augmenter.keras")


def _model_to_fine_tune():
    """A MobileNetV2 inside a model unlike transfer_model's (rescaling, no freezing, a Flatten head):
    fine_tune must work on any model holding one, and its grade must not depend on transfer_model."""
    shape = (*IMAGE_SHAPE, 3)
    base = keras.applications.MobileNetV2(input_shape=shape, include_top=False, weights="imagenet")
    inputs = keras.Input(shape)
    features = base(keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs))
    return keras.Model(inputs, keras.layers.Dense(NUM_CLASSES)(keras.layers.Flatten()(features)))


def build_fine_tuned(namespace, out):
    model = _model_to_fine_tune()
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
    "transfer_model_with_your_data_augmenter": build_transfer_with_own_augmenter,
    "fine_tune": build_fine_tuned,
}

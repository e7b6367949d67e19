"""Transfer learning lab: training recipes compared by measurement (issue 18).

Builds the lab's model (random flip and rotation, MobileNetV2's preprocessing, the frozen ImageNet
MobileNetV2 called in inference mode, global average pooling, dropout 0.2, a Dense layer of logits) on
the lab's split of the flower photos (10 % held out for validation, seed 42), trains it with each
recipe, and prints seconds per epoch of each phase, the validation accuracy, and the accuracy on the
grader-only photos before and after fine-tuning.  Every BatchNorm layer stays frozen, as the lab asks.

    .venv/bin/python benchmarks/transfer_recipes.py                          # every recipe, seed 1
    .venv/bin/python benchmarks/transfer_recipes.py --recipe lab --seeds 1 2 3
"""

import argparse
import math
import os
import statistics
import time
from typing import NamedTuple

from grader import settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = settings.onednn()  # before TensorFlow loads, as the course does
os.environ["KERAS_HOME"] = str(settings.keras_home())  # the prepared ImageNet weights

import machine  # noqa: E402  (beside this file)
import recipe_runs  # noqa: E402
import tensorflow as tf  # noqa: E402

from grader import data, demo  # noqa: E402
from grader.hidden_tests import holdout  # noqa: E402

SECONDS = ("features s", "head s/epoch", "fine s/epoch", "training s")


class Recipe(NamedTuple):
    head_epochs: int
    head_rate: float
    fine_tune_at: int
    fine_epochs: int
    fine_rate: float
    # The fine-tuning rate falls along half a cosine, epoch by epoch (a callback, as a notebook can set
    # it without changing the graded fine_tune, which compiles with a constant rate); else constant.
    cosine: bool
    cached: bool  # decoded photos kept in memory after the first epoch, tf.data's autotuner off
    # Epochs of the head alone on the frozen base's features, computed once from unaugmented photos
    # before the head epochs above (feature extraction: each such epoch costs milliseconds).
    feature_epochs: int = 0
    label_smoothing: float = 0.0
    # The lab's 160x160; the course's photos and the ImageNet checkpoint are 224x224.
    image_size: tuple[int, int] = (160, 160)


RECIPES = {
    # The lab's recipe (chosen on 2026-12-04 by the three seeds of each in benchmarks/RESULTS.md).
    "lab": Recipe(1, 5e-3, 100, 6, 2e-4, cosine=True, cached=True),
    # The lab's recipe before: the same pipeline, 8 epochs at a constant rate; and before issue 18.
    "8 epochs at 1e-4": Recipe(1, 5e-3, 100, 8, 1e-4, cosine=False, cached=True),
    "8 epochs at 1e-4, uncached": Recipe(1, 5e-3, 100, 8, 1e-4, cosine=False, cached=False),
    "cached, from 100, 4 epochs": Recipe(1, 5e-3, 100, 4, 1e-4, cosine=False, cached=True),
    "cached, from 56, 4 epochs": Recipe(1, 5e-3, 56, 4, 1e-4, cosine=False, cached=True),
    "from 56, 6 epochs": Recipe(1, 5e-3, 56, 6, 1e-4, cosine=False, cached=True),
    "from 56, 6 cosine 2e-4": Recipe(1, 5e-3, 56, 6, 2e-4, cosine=True, cached=True),
    "2 head, from 56, 5 cosine 2e-4": Recipe(2, 5e-3, 56, 5, 2e-4, cosine=True, cached=True),
    "from 100, 6 cosine 4e-4": Recipe(1, 5e-3, 100, 6, 4e-4, cosine=True, cached=True),
    "from 100, 5 cosine 4e-4": Recipe(1, 5e-3, 100, 5, 4e-4, cosine=True, cached=True),
    "2 head, from 100, 5 cosine 4e-4": Recipe(2, 5e-3, 100, 5, 4e-4, cosine=True, cached=True),
    "from 56, 6 cosine 4e-4": Recipe(1, 5e-3, 56, 6, 4e-4, cosine=True, cached=True),
    "features 20, lab": Recipe(0, 5e-3, 100, 6, 2e-4, cosine=True, cached=True, feature_epochs=20),
    "features 20 + 1 head, lab": Recipe(1, 5e-3, 100, 6, 2e-4, cosine=True, cached=True, feature_epochs=20),
    "lab, smoothing 0.1": Recipe(1, 5e-3, 100, 6, 2e-4, cosine=True, cached=True, label_smoothing=0.1),
    "224 pixels, lab": Recipe(1, 5e-3, 100, 6, 2e-4, cosine=True, cached=True, image_size=(224, 224)),
    "224 pixels, 3 cosine 2e-4": Recipe(
        1, 5e-3, 100, 3, 2e-4, cosine=True, cached=True, image_size=(224, 224)
    ),
}


def cosine_epochs(rate: float, epochs: int) -> tf.keras.callbacks.Callback:
    """Epoch e of `epochs` trains at rate * (1 + cos(pi * e / epochs)) / 2."""
    return tf.keras.callbacks.LearningRateScheduler(
        lambda epoch: rate * (1 + math.cos(math.pi * epoch / epochs)) / 2
    )


def datasets(cached: bool, image_size: tuple[int, int]):
    def subset(name: str):
        return tf.keras.utils.image_dataset_from_directory(
            data.split_dir(data.FLOWERS, "train"),
            image_size=image_size,
            batch_size=32,
            shuffle=True,
            validation_split=0.1,
            subset=name,
            seed=42,
            verbose=False,
        )

    train, validation = subset("training"), subset("validation")
    if not cached:
        return train.prefetch(tf.data.AUTOTUNE), validation.prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.autotune.enabled = False
    # Decoded photos are cached in order and shuffled again every epoch, photo by photo.
    train = train.unbatch().cache().shuffle(2500, seed=42).batch(32).prefetch(1).with_options(options)
    return train, validation.cache().prefetch(1).with_options(options)


def build(classes: int, image_size: tuple[int, int]) -> tuple[tf.keras.Model, tf.keras.Model]:
    shape = image_size + (3,)
    base = tf.keras.applications.MobileNetV2(input_shape=shape, include_top=False, weights="imagenet")
    base.trainable = False
    augment = tf.keras.Sequential(
        [tf.keras.layers.RandomFlip("horizontal"), tf.keras.layers.RandomRotation(0.2)]
    )
    inputs = tf.keras.Input(shape)
    x = tf.keras.applications.mobilenet_v2.preprocess_input(augment(inputs))
    x = tf.keras.layers.GlobalAveragePooling2D()(base(x, training=False))
    outputs = tf.keras.layers.Dense(classes)(tf.keras.layers.Dropout(0.2)(x))
    return tf.keras.Model(inputs, outputs), base


def compile_(model, rate, smoothing=0.0) -> None:
    if smoothing:  # Keras' sparse loss has no smoothing: smooth one-hot labels instead
        loss = tf.keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)
        metric = tf.keras.metrics.CategoricalAccuracy(name="accuracy")
    else:
        loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metric = "accuracy"
    model.compile(optimizer=tf.keras.optimizers.Adam(rate), loss=loss, metrics=[metric])


def one_hot(dataset, smoothing):
    return dataset.map(lambda x, y: (x, tf.one_hot(y, 5))) if smoothing else dataset


def train_head_on_features(model, train_ds, validation_ds, recipe) -> None:
    """Trains the model's last two layers (dropout, dense) on the base's pooled features, computed once."""
    pooled = next(
        layer for layer in model.layers if isinstance(layer, tf.keras.layers.GlobalAveragePooling2D)
    )
    extractor = tf.keras.Model(model.inputs, pooled.output)

    def features(dataset):
        pairs = [(extractor(x, training=False), y) for x, y in dataset]
        return tf.concat([f for f, _ in pairs], 0), tf.concat([y for _, y in pairs], 0)

    (x, y), (vx, vy) = features(train_ds), features(validation_ds)
    head = tf.keras.Sequential([tf.keras.Input((x.shape[1],)), *model.layers[-2:]])
    compile_(head, recipe.head_rate, recipe.label_smoothing)
    if recipe.label_smoothing:
        y, vy = tf.one_hot(y, 5), tf.one_hot(vy, 5)
    head.fit(x, y, batch_size=32, epochs=recipe.feature_epochs, validation_data=(vx, vy), verbose=0)


def train(recipe: Recipe, seed: int) -> dict:
    tf.keras.utils.set_random_seed(seed)
    train_ds, validation_ds = datasets(recipe.cached, recipe.image_size)
    model, base = build(5, recipe.image_size)
    timer = recipe_runs.EpochTimes()
    started = time.perf_counter()
    if recipe.feature_epochs:
        train_head_on_features(model, train_ds, validation_ds, recipe)
    feature_seconds = time.perf_counter() - started
    train_ds, validation_ds = (one_hot(d, recipe.label_smoothing) for d in (train_ds, validation_ds))
    compile_(model, recipe.head_rate, recipe.label_smoothing)
    timer.seconds = []
    if recipe.head_epochs:
        model.fit(
            train_ds, epochs=recipe.head_epochs, validation_data=validation_ds, verbose=0, callbacks=[timer]
        )
    before = holdout.accuracy(model, data.FLOWERS, recipe.image_size)
    head_seconds = list(timer.seconds)

    base.trainable = True
    for index, layer in enumerate(base.layers):
        layer.trainable = index >= recipe.fine_tune_at and not isinstance(
            layer, tf.keras.layers.BatchNormalization
        )
    compile_(model, recipe.fine_rate, recipe.label_smoothing)
    schedule = [cosine_epochs(recipe.fine_rate, recipe.fine_epochs)] if recipe.cosine else []
    history = model.fit(
        train_ds,
        epochs=recipe.fine_epochs,
        validation_data=validation_ds,
        verbose=0,
        callbacks=[timer, *schedule],
    )
    return {
        "features s": feature_seconds,
        "head s/epoch": statistics.median(head_seconds) if head_seconds else 0.0,
        "fine s/epoch": statistics.median(timer.seconds),
        "training s": feature_seconds + sum(head_seconds) + sum(timer.seconds),
        "validation": history.history["val_accuracy"][-1],
        "held before": before,
        "held after": holdout.accuracy(model, data.FLOWERS, recipe.image_size),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--recipe", choices=RECIPES, action="append", help="default: every recipe")
    args = parser.parse_args()
    demo.prepare_all()
    print(machine.describe())
    columns = [*SECONDS, "validation", "held before", "held after"]
    print(f"{'recipe':<32} {'seed':>4} " + " ".join(f"{c:>12}" for c in columns))
    for name in args.recipe or RECIPES:
        held = []
        for seed in args.seeds:
            row = train(RECIPES[name], seed)
            held.append(row["held after"])
            figures = " ".join(f"{row[c]:12.1f}" if c in SECONDS else f"{row[c]:12.3f}" for c in columns)
            print(f"{name:<32} {seed:>4} {figures}", flush=True)
        if len(args.seeds) > 1:
            print(f"{name:<32} held out after fine-tuning, min/median/max: {recipe_runs.spread(held)}")


if __name__ == "__main__":
    main()

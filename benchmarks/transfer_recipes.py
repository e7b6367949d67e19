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

IMAGE_SIZE = (160, 160)
SECONDS = ("head s/epoch", "fine s/epoch", "training s")


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
}


def cosine_epochs(rate: float, epochs: int) -> tf.keras.callbacks.Callback:
    """Epoch e of `epochs` trains at rate * (1 + cos(pi * e / epochs)) / 2."""
    return tf.keras.callbacks.LearningRateScheduler(
        lambda epoch: rate * (1 + math.cos(math.pi * epoch / epochs)) / 2
    )


def datasets(cached: bool):
    def subset(name: str):
        return tf.keras.utils.image_dataset_from_directory(
            data.split_dir(data.FLOWERS, "train"),
            image_size=IMAGE_SIZE,
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


def build(classes: int) -> tuple[tf.keras.Model, tf.keras.Model]:
    shape = IMAGE_SIZE + (3,)
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


def compile_(model, rate) -> None:
    model.compile(
        optimizer=tf.keras.optimizers.Adam(rate),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )


def train(recipe: Recipe, seed: int) -> dict:
    tf.keras.utils.set_random_seed(seed)
    train_ds, validation_ds = datasets(recipe.cached)
    model, base = build(classes=5)
    timer = recipe_runs.EpochTimes()
    compile_(model, recipe.head_rate)
    model.fit(
        train_ds, epochs=recipe.head_epochs, validation_data=validation_ds, verbose=0, callbacks=[timer]
    )
    before = holdout.accuracy(model, data.FLOWERS, IMAGE_SIZE)
    head_seconds = list(timer.seconds)

    base.trainable = True
    for index, layer in enumerate(base.layers):
        layer.trainable = index >= recipe.fine_tune_at and not isinstance(
            layer, tf.keras.layers.BatchNormalization
        )
    compile_(model, recipe.fine_rate)
    schedule = [cosine_epochs(recipe.fine_rate, recipe.fine_epochs)] if recipe.cosine else []
    history = model.fit(
        train_ds,
        epochs=recipe.fine_epochs,
        validation_data=validation_ds,
        verbose=0,
        callbacks=[timer, *schedule],
    )
    return {
        "head s/epoch": statistics.median(head_seconds),
        "fine s/epoch": statistics.median(timer.seconds),
        "training s": sum(head_seconds) + sum(timer.seconds),
        "validation": history.history["val_accuracy"][-1],
        "held before": before,
        "held after": holdout.accuracy(model, data.FLOWERS, IMAGE_SIZE),
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

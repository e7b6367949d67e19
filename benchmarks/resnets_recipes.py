"""ResNets lab: training recipes compared by measurement (issue 18).

Trains the grader's own ResNet-50 (the same network the solution builds) on the sign photos with
each recipe and prints seconds per epoch, achieved GFLOP/s against what this CPU does on one large
3x3 convolution, and, with --epochs > 0, test and grader-only accuracy.

How FLOPs are counted: a Conv2D costs 2 * kh * kw * c_in * c_out * h_out * w_out per image and a
Dense layer 2 * n_in * n_out (a multiply and an add each); a training step costs three forward
passes (forward, gradient for the inputs, gradient for the weights). BatchNorm, ReLU and pooling are
not counted, so the figure is a lower bound of the work done. An epoch's seconds include the pass
over the test photos that `fit` makes after it, as in the lab.

TensorFlow reads TF_ENABLE_ONEDNN_OPTS when it is imported; the course sets it to 1 (grader.settings).
Run once with TF_ENABLE_ONEDNN_OPTS=0 to see what TensorFlow does by itself on a CPU without AVX-512.

    .venv/bin/python benchmarks/resnets_recipes.py                 # speed only: 2 epochs per recipe
    .venv/bin/python benchmarks/resnets_recipes.py --epochs 5 --seeds 1 2 3 --recipe lab
"""

import argparse
import os
import statistics
import time
from typing import NamedTuple

from grader import settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = settings.onednn()  # before TensorFlow loads, as the course does

import machine  # noqa: E402  (beside this file)
import recipe_runs  # noqa: E402
import tensorflow as tf  # noqa: E402

from grader import data, demo  # noqa: E402
from grader.hidden_tests import holdout  # noqa: E402
from grader.hidden_tests.resnets import reference  # noqa: E402

IMAGE_SIZE = (64, 64)


class Recipe(NamedTuple):
    batch: int
    rate: float  # the peak of the cosine
    cache: bool  # decoded photos kept in memory
    warmup_epochs: float = 0.0  # the rate first rises linearly from 0 to its peak
    translate: float = 0.0  # random shifts of up to this fraction of the photo, training photos only


RECIPES = {
    "lab": Recipe(32, 1e-3, False),
    "batch32+cache": Recipe(32, 1e-3, True),
    "batch64+cache": Recipe(64, 2e-3, True),
    "warmup 1 epoch to 2e-3": Recipe(32, 2e-3, False, warmup_epochs=1),
    "warmup 1/2 epoch to 1e-3": Recipe(32, 1e-3, False, warmup_epochs=0.5),
    "shifts of 10 %": Recipe(32, 1e-3, False, translate=0.1),
}


def training_gflop_per_image(model) -> float:
    flops = 0
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.Conv2D):
            kh, kw, c_in, c_out = layer.kernel.shape
            _, h, w, _ = layer.output.shape
            flops += 2 * kh * kw * c_in * c_out * h * w
        elif isinstance(layer, tf.keras.layers.Dense):
            flops += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
    return 3 * flops / 1e9


def conv_peak_gflops() -> float:
    """One 3x3 convolution of 56x56x128 -> 128 channels, batch 32: oneDNN's best case here."""
    x = tf.random.normal((32, 56, 56, 128))
    k = tf.random.normal((3, 3, 128, 128))
    conv = tf.function(lambda: tf.nn.conv2d(x, k, 1, "SAME"))
    conv()
    started, runs = time.perf_counter(), 10
    for _ in range(runs):
        conv().numpy()
    seconds = (time.perf_counter() - started) / runs
    return 2 * 9 * 128 * 128 * 56 * 56 * 32 / seconds / 1e9


def split(name: str, batch: int, shuffle: bool, cache: bool, seed: int):
    """The lab's pipeline; with cache, decoded photos stay in memory and are shuffled one by one."""
    dataset = tf.keras.utils.image_dataset_from_directory(
        data.split_dir(data.SIGNS, name),
        image_size=IMAGE_SIZE,
        batch_size=batch,
        shuffle=shuffle and not cache,
        seed=seed,
    )
    dataset = dataset.map(lambda x, y: (x / 255.0, y))
    if cache:
        dataset = dataset.unbatch().cache()
        if shuffle:
            dataset = dataset.shuffle(2000, seed=seed)
        dataset = dataset.batch(batch).prefetch(1)
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def train(name: str, epochs: int, seed: int):
    recipe = RECIPES[name]
    tf.keras.utils.set_random_seed(seed)
    train_ds = split("train", recipe.batch, shuffle=True, cache=recipe.cache, seed=seed)
    test_ds = split("test", recipe.batch, shuffle=False, cache=recipe.cache, seed=seed)
    if recipe.translate:
        shift = tf.keras.layers.RandomTranslation(recipe.translate, recipe.translate, fill_mode="nearest")
        train_ds = train_ds.map(lambda x, y: (shift(x, training=True), y))
    model = reference.resnet50(IMAGE_SIZE + (3,), 10)
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            layer.momentum = 0.9
    steps = sum(1 for _ in train_ds)
    warmup = int(recipe.warmup_epochs * steps)
    if warmup:
        schedule = tf.keras.optimizers.schedules.CosineDecay(
            0.0, epochs * steps - warmup, warmup_target=recipe.rate, warmup_steps=warmup
        )
    else:
        schedule = tf.keras.optimizers.schedules.CosineDecay(recipe.rate, decay_steps=epochs * steps)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    timer = recipe_runs.EpochTimes()
    history = model.fit(train_ds, epochs=epochs, validation_data=test_ds, verbose=0, callbacks=[timer])
    images = sum(int(tf.shape(x)[0]) for x, _ in train_ds)
    held_out = holdout.accuracy(model, data.SIGNS, IMAGE_SIZE, scale=1 / 255)
    return model, timer.seconds, images, history.history["val_accuracy"][-1], held_out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2, help="epochs per run (2: speed only)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--recipe", choices=RECIPES, action="append", help="default: every recipe")
    parser.add_argument("--inter-op-threads", type=int, help="TensorFlow's default: one per core")
    args = parser.parse_args()
    if args.inter_op_threads:
        tf.config.threading.set_inter_op_parallelism_threads(args.inter_op_threads)
    demo.prepare_all()
    peak = conv_peak_gflops()
    print(machine.describe())
    threads = tf.config.threading.get_inter_op_parallelism_threads() or "default"
    onednn = os.environ["TF_ENABLE_ONEDNN_OPTS"]
    print(f"TF {tf.__version__}; TF_ENABLE_ONEDNN_OPTS={onednn}; inter-op threads: {threads}")
    print(f"a large 3x3 convolution: {peak:.0f} GFLOP/s")
    print(f"{'recipe':<26} {'seed':>4} {'s/epoch':>8} {'GFLOP/s':>8} {'% peak':>7} {'test':>6} {'held':>6}")
    for recipe in args.recipe or RECIPES:
        tests, held = [], []
        for seed in args.seeds:
            model, seconds, images, test, held_out = train(recipe, args.epochs, seed)
            steady = statistics.median(seconds[1:]) if len(seconds) > 1 else seconds[0]
            rate = training_gflop_per_image(model) * images / steady
            tests.append(test)
            held.append(held_out)
            figures = f"{steady:8.1f} {rate:8.1f} {rate / peak:7.0%} {test:6.3f} {held_out:6.3f}"
            print(f"{recipe:<26} {seed:>4} {figures}", flush=True)
        if len(args.seeds) > 1:
            print(
                f"{recipe:<26} min/median/max test {recipe_runs.spread(tests)}"
                f", held out {recipe_runs.spread(held)}"
            )


if __name__ == "__main__":
    main()

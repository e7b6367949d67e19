"""What Keras spends before ResNet-50's first training step, and what the ResNets lab does about it.

Keras (TensorFlow backend, no distribution strategy) creates Adam's running averages and the
accuracy metric's counters inside the first traced training step; a tf.function that creates
variables is traced a second time.  Each setting below runs in a fresh process: the seconds of a
first `fit` of one batch with validation (tracing the training and the evaluation step), then the
seconds per step of a second `fit` once everything is traced.

    .venv/bin/python benchmarks/keras_tracing.py
"""

import subprocess
import sys
import time

import machine  # beside this file

SETTINGS = {
    "as Keras does it": "",
    "optimizer built first": "model.optimizer.build(model.trainable_variables)",
    "optimizer built + one evaluation first (the lab)": (
        "model.optimizer.build(model.trainable_variables); model.evaluate(batches, verbose=0)"
    ),
}

ONE_RUN = """
import os, time
from grader import settings
os.environ["TF_ENABLE_ONEDNN_OPTS"] = settings.onednn()
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
import tensorflow as tf
from grader.hidden_tests.resnets import reference
model = reference.resnet50((64, 64, 3), 10)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
x = tf.random.uniform((32, 64, 64, 3))
y = tf.random.uniform((32,), 0, 10, tf.int32)
batches = tf.data.Dataset.from_tensors((x, y))
started = time.perf_counter()
{before_fit}
model.fit(batches, validation_data=batches, verbose=0)
traced = time.perf_counter()
model.fit(batches.repeat(4), validation_data=batches, verbose=0)
print(traced - started, (time.perf_counter() - traced) / 5)
"""


def main() -> None:
    print(machine.describe())
    print(f"{'before fit':<50} {'first fit (s)':>14} {'then s/step':>12}")
    for name, before_fit in SETTINGS.items():
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-c", ONE_RUN.format(before_fit=before_fit)],
            capture_output=True,
            text=True,
            check=True,
        )
        first, step = (float(v) for v in out.stdout.split()[-2:])
        print(f"{name:<50} {first:14.1f} {step:12.2f}   (process: {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()

"""What the two recipe benchmarks share: per-epoch seconds, and a figure's spread over seeds."""

import time

import numpy as np
import tensorflow as tf


class EpochTimes(tf.keras.callbacks.Callback):
    """Seconds of each epoch of the latest `fit` (validation included, as in the labs)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


def spread(values: list[float]) -> str:
    return f"{min(values):.3f}/{np.median(values):.3f}/{max(values):.3f}"

"""The grader-only photos, fed to a trained model as its lab prepares its inputs, and the bar it must pass."""

import numpy as np

from grader import data, settings
from grader.hidden_tests import GraderFault


def photos(dataset: data.Dataset, image_size: tuple[int, int], scale: float = 1.0):
    import keras

    folder = data.split_dir(dataset, "holdout")
    if not folder.is_dir():
        raise GraderFault(f"the grader-only split is missing at {folder}: run `grader prepare-data`")
    batches = keras.utils.image_dataset_from_directory(
        folder, image_size=image_size, batch_size=64, shuffle=False, verbose=False
    )
    images, labels = zip(*[(x.numpy() * scale, y.numpy()) for x, y in batches], strict=True)
    return np.concatenate(images), np.concatenate(labels)


def accuracy(model, dataset: data.Dataset, image_size: tuple[int, int], scale: float = 1.0) -> float:
    images, labels = photos(dataset, image_size, scale)
    return float(np.mean(np.argmax(model.predict(images, batch_size=64, verbose=0), axis=1) == labels))


def bar(full: float, quick: float) -> float:
    """The accuracy to reach: CASE_STUDIES_QUICK runs train less, and feedback says so."""
    return quick if settings.quick_mode() else full

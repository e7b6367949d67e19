"""Fill the course's own KERAS_HOME with ImageNet weights, so `weights="imagenet"` loads offline.

Keras writes keras.json into KERAS_HOME, so the mirror stays read-only: its weight files are
linked into a cache folder of ours.  Without a mirror they are downloaded from Keras' public home.
"""

import hashlib
import os
import urllib.request
from pathlib import Path

from grader import settings
from grader.data import DataError

BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications"
MOBILENET_V2_SHA256 = "71e4c4ec4aa24c9c951b9265d6de42e1336dcf614c2214fa6a989208615e232c"
# file name -> (public folder, sha256 of the mirror's copy)
WEIGHT_FILES = {
    "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5": (
        "mobilenet_v2",
        MOBILENET_V2_SHA256,
    ),
    "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5": (
        "mobilenet_v2",
        MOBILENET_V2_SHA256,
    ),
    "mobilenet_2_5_224_tf_no_top.h5": (
        "mobilenet",
        "dbdb03ee2a22fd895301636cd328b234bb3a9952358f436d82f46b81e0d5b0bf",
    ),
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_keras_home() -> Path:
    """Returns the KERAS_HOME folder holding models/<weights>.h5, verified."""
    models = settings.keras_home() / "models"
    models.mkdir(parents=True, exist_ok=True)
    mirror = settings.mirror_dir()
    for name, (folder, digest) in WEIGHT_FILES.items():
        target = models / name
        if mirror is not None:
            source = mirror / "keras" / "models" / name
            if not source.is_file():
                raise DataError(
                    f"CASE_STUDIES_MIRROR={mirror} lacks keras/models/{name}. Point it at the "
                    "course mirror or unset it to download the ImageNet weights from Keras."
                )
            if _sha256(source) != digest:
                raise DataError(f"{source} does not match its checksum: the mirror's copy is damaged.")
            if target.is_symlink() or target.exists():
                target.unlink()
            os.symlink(source, target)
        elif not target.is_file():
            url = f"{BASE_URL}/{folder}/{name}"
            try:
                urllib.request.urlretrieve(url, target)
            except Exception as error:
                target.unlink(missing_ok=True)
                raise DataError(
                    f"Could not download ImageNet weights from {url} ({error}). "
                    "Set CASE_STUDIES_MIRROR to the course mirror to work offline."
                ) from error
    return settings.keras_home()

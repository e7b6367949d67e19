import shutil

import pytest

from grader import settings, weights
from grader.data import DataError


def test_keras_home_links_the_mirror_and_loads_imagenet_weights(mirror, private_data):
    home = weights.prepare_keras_home()
    models = home / "models"
    for name in weights.WEIGHT_FILES:
        assert (models / name).resolve().is_relative_to(mirror), "weights are linked, never copied"
    script = (
        "import keras, numpy as np, h5py, sys;"
        "m = keras.applications.MobileNet(input_shape=(224, 224, 3), alpha=0.25, include_top=False,"
        " weights='imagenet');"
        "kernel = m.get_layer('conv1').get_weights()[0];"
        "f = h5py.File(sys.argv[1]);"
        "stored = [f['conv1'][k][()] for k in f['conv1'].attrs['weight_names']][0];"
        "print(np.array_equal(kernel, stored), float(np.abs(kernel).sum()))"
    )
    import subprocess
    import sys

    env = {"KERAS_HOME": str(home), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"}
    weights_file = str(models / "mobilenet_2_5_224_tf_no_top.h5")
    out = subprocess.run(
        [sys.executable, "-c", script, weights_file], env=env, capture_output=True, text=True, check=True
    )
    same, size = out.stdout.split()
    assert same == "True" and float(size) > 0, "the ImageNet kernel of the mirror's file was loaded"
    assert (home / "keras.json").is_file() and not (mirror / "keras" / "keras.json").exists()


def test_missing_weight_file_is_a_clear_error(mirror, private_data, monkeypatch):
    copy = private_data / "mirror"
    shutil.copytree(mirror / "keras", copy / "keras", symlinks=True)
    (copy / "keras" / "models" / "mobilenet_2_5_224_tf_no_top.h5").unlink()
    monkeypatch.setenv("CASE_STUDIES_MIRROR", str(copy))
    with pytest.raises(DataError, match="lacks keras/models/mobilenet_2_5_224_tf_no_top.h5"):
        weights.prepare_keras_home()
    assert settings.keras_home().is_relative_to(private_data)

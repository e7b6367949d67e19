import numpy as np
import pytest

from grader import data, settings
from grader.hidden_tests import keras_graph

CELL = "trained_model_tests"
MODEL_FILE = "resnet50_signs.keras"
# Set from measurement (benchmarks/resnets_autograde.py): the notebook's 6-epoch recipe reached 0.96
# on this split, its 2-epoch CASE_STUDIES_QUICK run 0.89.  Quick runs are for the course's own tests
# and demo; their lower bar is stated in every feedback of such a run.
THRESHOLD = 0.90
QUICK_THRESHOLD = 0.6


def threshold() -> float:
    return QUICK_THRESHOLD if settings.quick_mode() else THRESHOLD


def holdout():
    import keras

    folder = data.split_dir(data.SIGNS, "holdout")
    if not folder.is_dir():
        raise RuntimeError(f"the grader-only split is missing at {folder}: run `grader prepare-data`")
    dataset = keras.utils.image_dataset_from_directory(
        folder, image_size=(64, 64), batch_size=64, shuffle=False, verbose=False
    )
    images, labels = zip(*[(x.numpy() / 255.0, y.numpy()) for x, y in dataset], strict=True)
    return np.concatenate(images), np.concatenate(labels)


@pytest.mark.check(
    cell=CELL,
    points=5,
    artifact="trained model",
    title="your trained ResNet50 recognises signs it has never seen",
    concept="Your trained model does not reach the accuracy bar on the grader's own photos: make sure the "
    "model you trained is the ResNet50 you built, that training ran to the end, and that the cell saving "
    f"`{MODEL_FILE}` ran after it.",
)
def test_holdout_accuracy(submission_dir):
    path = submission_dir / MODEL_FILE
    assert path.is_file()
    model = keras_graph.load(path)
    assert model.count_params() == 23_608_202
    images, labels = holdout()
    accuracy = float(np.mean(np.argmax(model.predict(images, verbose=0), axis=1) == labels))
    assert accuracy >= threshold()

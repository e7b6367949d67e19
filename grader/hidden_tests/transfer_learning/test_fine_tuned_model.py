import pytest

from grader import data
from grader.hidden_tests import holdout
from grader.hidden_tests.transfer_learning import reference

CELL = "fine_tuned_model_tests"
MODEL_FILE = "flowers_mobilenetv2.keras"
PARAMETERS = reference.MOBILENET_V2_PARAMETERS + 1280 * 5 + 5
# Set from measurement (benchmarks/transfer_recipes.py, three seeds): the notebook's recipe (1 head epoch,
# 6 fine-tuning epochs from layer 100 with a cosine from 2e-4, 2,112 training photos) reached 0.900 to 0.905
# on this split, 0.797 to 0.831 before fine-tuning; the former recipe (8 epochs at 1e-4) 0.898 to 0.929.
# The accuracy moves by up to two points from one epoch to the next, so the bar sits well below the
# typical result.  CASE_STUDIES_QUICK (1 + 1 epochs on 640 photos; 0.69 on this split) is for the
# course's own tests and demo; its lower bar is stated in every feedback of such a run.
THRESHOLD = 0.85
QUICK_THRESHOLD = 0.60


def accuracy(model) -> float:
    return holdout.accuracy(model, data.FLOWERS, (160, 160))


@pytest.mark.check(
    cell=CELL,
    points=5,
    artifact="fine-tuned model",
    title="your fine-tuned model recognises flowers it has never seen",
    concept="Your fine-tuned model does not reach the accuracy bar on the grader's own photos: make sure "
    "the model takes raw photos (its preprocessing inside), that both training phases ran to the end, "
    f"and that the cell saving `{MODEL_FILE}` ran after them.",
)
def test_holdout_accuracy(submission_dir):
    import keras

    path = submission_dir / MODEL_FILE
    assert path.is_file()
    model = keras.saving.load_model(path, compile=False, safe_mode=True)
    assert model.count_params() == PARAMETERS
    assert tuple(model.input_shape) == (None, 160, 160, 3)
    assert accuracy(model) >= holdout.bar(THRESHOLD, QUICK_THRESHOLD)

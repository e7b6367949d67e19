import pytest

from grader import data
from grader.hidden_tests import holdout, keras_graph

CELL = "trained_model_tests"
MODEL_FILE = "resnet50_signs.keras"
# Set from measurement (benchmarks/resnets_autograde.py): the notebook's 6-epoch recipe reached 0.96
# on this split, its 2-epoch CASE_STUDIES_QUICK run 0.89.  Quick runs are for the course's own tests
# and demo; their lower bar is stated in every feedback of such a run.
THRESHOLD = 0.90
QUICK_THRESHOLD = 0.6


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
    accuracy = holdout.accuracy(model, data.SIGNS, (64, 64), scale=1 / 255)
    assert accuracy >= holdout.bar(THRESHOLD, QUICK_THRESHOLD)

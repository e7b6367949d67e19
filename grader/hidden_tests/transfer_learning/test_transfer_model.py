import keras
import numpy as np
import pytest

from grader.hidden_tests import explain, keras_graph
from grader.hidden_tests.transfer_learning import probe_plan, reference

CELL = "transfer_model_tests"


def _model(artifacts, probe_report, which="default"):
    return reference.saved_model(artifacts, probe_report, "transfer_model", f"transfer_{which}.keras")


@pytest.mark.check(
    cell=CELL,
    points=2,
    artifact="transfer_model",
    title="the base is MobileNetV2 with its ImageNet weights, frozen",
    concept="The base should be MobileNetV2 without its top, loaded with its ImageNet weights and frozen, "
    "so that training the new head leaves every pretrained weight as it was.",
)
def test_frozen_imagenet_base(artifacts, probe_report):
    model = _model(artifacts, probe_report, "custom")
    base = reference.find_base(model)
    assert base.count_params() == reference.MOBILENET_V2_PARAMETERS
    assert reference.same(reference.values(base), reference.imagenet_weights())
    assert not base.trainable_weights
    before, head_before = reference.values(base), reference.values(model.layers[-1])
    reference.training_step(model, compile_ours=True)
    assert reference.same(before, reference.values(base))
    assert not reference.same(head_before, reference.values(model.layers[-1]))


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="transfer_model",
    title="photos reach MobileNetV2 scaled to [-1, 1]",
    concept="MobileNetV2 does not receive pixels on the scale it was trained with: inside the model, "
    "between the augmentation and the base, apply MobileNetV2's own preprocessing function.",
)
def test_input_scaling(artifacts, probe_report):
    model = _model(artifacts, probe_report, "custom")
    node = reference.base_node(model, reference.find_base(model))
    to_base = keras.Model(model.inputs, node.input_tensors[0])
    levels = np.array([0.0, 63.75, 127.5, 255.0], dtype="float32")
    images = np.ones((4, *probe_plan.IMAGE_SHAPE, 3), dtype="float32") * levels[:, None, None, None]
    seen = np.asarray(to_base(images, training=False))
    expected = images / 127.5 - 1
    assert seen.shape == expected.shape and np.allclose(seen, expected, atol=1e-5)


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="transfer_model",
    title="the base runs in inference mode and its BatchNorm statistics survive training",
    concept="The pretrained base must run in inference mode: call it with training=False, and keep it "
    "frozen, so its BatchNorm layers keep the statistics they learned on ImageNet.",
)
def test_inference_mode(artifacts, probe_report):
    model = _model(artifacts, probe_report, "custom")
    base = reference.find_base(model)
    assert reference.called_in_inference_mode(reference.base_node(model, base))
    statistics = reference.batch_norm_statistics(base)
    reference.training_step(model, compile_ours=True)
    assert reference.same(statistics, reference.batch_norm_statistics(base))
    # With every layer unfrozen, a call without a training flag must still use the moving statistics.
    base.trainable = True
    images = reference.photos(4, seed=3)
    assert np.allclose(np.asarray(model(images)), np.asarray(model(images, training=False)), atol=1e-4)


@pytest.mark.check(
    cell=CELL,
    points=1,
    artifact="transfer_model",
    title="the head is pooling, Dropout(0.2) and a Dense layer of num_classes logits",
    concept="The new head differs from the description: average the base's feature maps over space, "
    "apply dropout with rate 0.2, and end with a Dense layer with one output per class and no "
    "activation (logits).",
)
def test_head(artifacts, probe_report):
    model = _model(artifacts, probe_report, "custom")
    base = reference.find_base(model)
    chain = []
    current = base.name
    for _ in range(3):
        (current,) = keras_graph.consumers(model, current)
        chain.append(model.get_layer(current))
    pooling, dropout, dense = chain
    assert isinstance(pooling, keras.layers.GlobalAveragePooling2D)
    assert isinstance(dropout, keras.layers.Dropout) and np.isclose(dropout.rate, 0.2)
    assert isinstance(dense, keras.layers.Dense) and dense.units == probe_plan.NUM_CLASSES
    assert keras.activations.serialize(dense.activation) in ("linear", None)
    assert model.output.name == dense.output.name


@pytest.mark.check(
    cell=CELL,
    points=0.5,
    artifact="transfer_model",
    title="the photos go through the augmentation first (data_augmenter() unless one is given)",
    concept="The augmentation is missing or ignored: apply the `data_augmentation` argument to the "
    "inputs before anything else, and use data_augmenter() when the argument is None.",
)
def test_augmentation(artifacts, probe_report):
    # Built with a marker in place of data_augmenter: this checks transfer_model's use of it only.
    for which, name in (
        ("default", probe_plan.GRADER_DEFAULT_AUGMENTATION),
        ("custom", probe_plan.GRADER_AUGMENTATION),
    ):
        model = _model(artifacts, probe_report, which)
        inputs = keras_graph.graph(model)
        assert name in reference.ancestors(model, reference.find_base(model).name)
        assert all(isinstance(model.get_layer(source), keras.layers.InputLayer) for source in inputs[name])
        assert not any(
            isinstance(leaf, keras.layers.RandomFlip | keras.layers.RandomRotation)
            for leaf in reference.leaves(model)
        )


@pytest.mark.check(
    cell=CELL,
    points=0.5,
    artifact="transfer_model_with_your_data_augmenter",
    title="transfer_model with your own data_augmenter augments the photos as described",
    concept="transfer_model's own code is graded by the checks above; built with your own data_augmenter, "
    "the model does not flip and rotate the photos before MobileNetV2: the fault is in data_augmenter, "
    "whose own checks say what to fix.",
)
def test_with_own_augmenter(artifacts, probe_report, request):
    if probe_report.get("artifacts", {}).get("transfer_model") != "ok":  # not the augmenter's fault, then
        explain.concept(
            request,
            "transfer_model fails on its own (see its checks above), so it cannot be built with your "
            "data_augmenter either.",
        )
    model = reference.saved_model(
        artifacts, probe_report, "transfer_model_with_your_data_augmenter", "transfer_own_augmenter.keras"
    )
    operations = {operation.name: operation for operation in model.operations}
    upstream = reference.ancestors(model, reference.find_base(model).name)
    leaves = [leaf for name in upstream for leaf in reference.leaves(operations[name])]
    flips = [leaf for leaf in leaves if isinstance(leaf, keras.layers.RandomFlip)]
    rotations = [leaf for leaf in leaves if isinstance(leaf, keras.layers.RandomRotation)]
    assert len(flips) == 1 and flips[0].mode == "horizontal"
    assert len(rotations) == 1
    assert np.allclose(np.abs(np.ravel(rotations[0].get_config()["factor"]).astype(float)), 0.2)

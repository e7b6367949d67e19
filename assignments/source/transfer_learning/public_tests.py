"""Public tests for the transfer learning lab: quick checks you can run as often as you like.

Passing them is necessary, not sufficient: the grader's hidden checks use other image sizes, numbers
of classes and learning rates, and judge your functions outside this notebook.
"""

import numpy as np
import tensorflow as tf

layers = tf.keras.layers


def _leaf_layers(layer):
    inner = getattr(layer, "layers", None)
    if inner is None:
        return [layer]
    return [leaf for child in inner for leaf in _leaf_layers(child)]


def _base(model):
    found = [
        layer
        for layer in model.layers
        if isinstance(layer, tf.keras.Model)
        and any(isinstance(inner, layers.BatchNormalization) for inner in layer.layers)
    ]
    assert len(found) == 1, f"expected one MobileNetV2 inside the model, found {len(found)}"
    return found[0]


def check_datasets(train_dataset, validation_dataset):
    for name, dataset, batches in [("train", train_dataset, 66), ("validation", validation_dataset, 8)]:
        images, labels = dataset.element_spec
        assert tuple(images.shape) == (None, 160, 160, 3), f"{name} images have shape {images.shape}"
        count = int(dataset.cardinality())
        assert count == batches, f"{name}_dataset has {count} batches of 32, expected {batches}"
    assert train_dataset.class_names == ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
    train_files, validation_files = set(train_dataset.file_paths), set(validation_dataset.file_paths)
    assert not train_files & validation_files, "the two subsets share photos: use the same seed for both"
    print("The datasets look right.")


def check_data_augmenter(data_augmenter):
    augmenter = data_augmenter()
    assert isinstance(augmenter, tf.keras.Sequential), "data_augmenter must return a tf.keras.Sequential"
    kinds = [type(layer).__name__ for layer in augmenter.layers]
    assert kinds == ["RandomFlip", "RandomRotation"], f"layers {kinds}, expected RandomFlip, RandomRotation"
    flip, rotation = augmenter.layers
    assert flip.mode == "horizontal", f"RandomFlip mode {flip.mode!r}, expected 'horizontal'"
    factor = np.ravel(rotation.get_config()["factor"]).astype(float)
    assert np.allclose(np.abs(factor), 0.2), f"RandomRotation factor {factor}, expected 0.2"
    images = np.random.default_rng(0).uniform(0, 255, (4, 24, 24, 3)).astype("float32")
    assert np.allclose(augmenter(images, training=False), images), "augmentation must be off at inference"
    print("All public tests of data_augmenter passed.")


def check_transfer_model(transfer_model):
    model = transfer_model()
    assert tuple(model.input_shape) == (None, 160, 160, 3), f"input shape {model.input_shape}"
    assert tuple(model.output_shape) == (None, 5), f"output shape {model.output_shape}"
    base = _base(model)
    assert base.count_params() == 2_257_984, "the base should be MobileNetV2 without its top"
    assert not base.trainable_weights, "the base must be frozen (base_model.trainable = False)"
    kinds = [type(layer).__name__ for layer in model.layers[-3:]]
    assert kinds == ["GlobalAveragePooling2D", "Dropout", "Dense"], f"the head is {kinds}"
    assert model.layers[-2].rate == 0.2, "Dropout rate should be 0.2"
    assert model.layers[-1].get_config()["activation"] == "linear", "the last layer should output logits"
    assert model.count_params() == 2_257_984 + 1280 * 5 + 5, f"{model.count_params():,} parameters"
    print("All public tests of transfer_model passed.")


def check_fine_tune(fine_tune, transfer_model):
    model = fine_tune(transfer_model(), fine_tune_at=120, base_learning_rate=0.001)
    base = _base(model)
    unfrozen = [i for i, layer in enumerate(base.layers) if layer.trainable and layer.weights]
    assert unfrozen and min(unfrozen) >= 120, "layers before fine_tune_at must stay frozen"
    norms = [layer.name for layer in base.layers if isinstance(layer, layers.BatchNormalization)]
    assert not any(base.get_layer(name).trainable for name in norms), "BatchNorm layers must stay frozen"
    assert len(unfrozen) == 12, f"{len(unfrozen)} layers with weights are trainable, expected 12"
    assert isinstance(model.optimizer, tf.keras.optimizers.Adam), "use the Adam optimizer"
    rate = float(model.optimizer.learning_rate)
    assert np.isclose(rate, 0.0001), f"learning rate {rate}, expected base_learning_rate / 10"
    assert getattr(model.loss, "get_config", dict)().get("from_logits"), "the loss needs from_logits=True"
    print("All public tests of fine_tune passed.")

"""Realistic transfer learning submissions: the solution, the untouched release, common mistakes."""

from grader.submissions import Variant

FREEZE_BELOW = "    for layer in base_model.layers[:fine_tune_at]:\n        layer.trainable = False\n"
FREEZE_NORMS = (
    "    for layer in base_model.layers:\n"
    "        if isinstance(layer, layers.BatchNormalization):\n"
    "            layer.trainable = False\n"
)

VARIANTS = [
    Variant("solution", "the instructor's solution"),
    Variant("untouched", "the release as downloaded, nothing answered", untouched=True),
    Variant(
        "base_not_frozen",
        "forgets to freeze MobileNetV2 before training the head",
        edits={"transfer_model": [("    base_model.trainable = False\n", "")]},
    ),
    Variant(
        "base_training_true",
        "calls the base with training=True",
        edits={"transfer_model": [("base_model(x, training=False)", "base_model(x, training=True)")]},
    ),
    Variant(
        "no_preprocess",
        "feeds MobileNetV2 raw 0..255 pixels (no preprocess_input)",
        edits={"transfer_model": [("    x = tf.keras.applications.mobilenet_v2.preprocess_input(x)\n", "")]},
    ),
    Variant(
        "softmax_head",
        "ends the head with a softmax while the loss expects logits",
        edits={
            "transfer_model": [
                ("layers.Dense(num_classes)", 'layers.Dense(num_classes, activation="softmax")')
            ]
        },
    ),
    Variant(
        "unfreeze_everything",
        "fine-tunes the whole base, BatchNorm included",
        edits={"fine_tune": [(FREEZE_BELOW, ""), (FREEZE_NORMS, "")]},
    ),
    Variant(
        "batchnorm_not_frozen",
        "unfreezes from fine_tune_at on but forgets that BatchNorm layers must stay frozen",
        edits={"fine_tune": [(FREEZE_NORMS, "")]},
    ),
    Variant(
        "copied_compile",
        "recompiles like the head phase: the same learning rate and a string loss without from_logits",
        edits={
            "fine_tune": [
                ("Adam(learning_rate=base_learning_rate / 10)", "Adam(learning_rate=base_learning_rate)"),
                (
                    "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
                    'loss="sparse_categorical_crossentropy"',
                ),
            ]
        },
    ),
    # A mistake in a function that another graded function (or its check) uses: charged once (issue 15).
    Variant(
        "augmenter_without_flip",
        "data_augmenter with the rotation only",
        edits={"data_augmenter": [('[layers.RandomFlip("horizontal"), ', "[")]},
    ),
    Variant(
        "augmenter_list",
        "data_augmenter returns a list of layers instead of a Sequential model",
        edits={
            "data_augmenter": [
                ("tf.keras.Sequential([", "["),
                ("RandomRotation(0.2)])", "RandomRotation(0.2)]"),
            ]
        },
    ),
    Variant(
        "logits_not_named_outputs",
        "transfer_model names its logits x, so `return tf.keras.Model(inputs, outputs)` fails",
        edits={
            "transfer_model": [
                ("    outputs = layers.Dense(num_classes)(x)", "    x = layers.Dense(num_classes)(x)")
            ]
        },
    ),
    Variant(
        "no_accuracy_metric",
        "recompiles without the accuracy metric",
        edits={"fine_tune": [('        metrics=["accuracy"],\n', "")]},
    ),
]

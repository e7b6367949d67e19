"""The quiz's answers: grader-only.  Each entry: section cell, kind, answer, tolerance, and where the
lecture notebooks explain it (named in feedback when the answer is wrong)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    question: str  # variable name in the notebook
    cell: str  # grade cell of the section
    kind: str  # "single", "multiple", "truefalse", "number"
    answer: object
    topic: str  # named in feedback: the concept, never the answer
    notebook: str
    tolerance: float = 0.0


CLASSIC, RESNET, ONE_BY_ONE = "classic_networks_tests", "residual_networks_tests", "one_by_one_tests"
INCEPTION, MOBILENET, SCALING = "inception_tests", "mobilenet_tests", "efficientnet_tests"
TRANSFER, PRACTICE = "transfer_learning_tests", "practice_tests"

KEY = [
    Answer("q01", CLASSIC, "single", "b", "how volumes change shape with depth", "01_classic_networks"),
    Answer(
        "q02", CLASSIC, "multiple", {"a", "b"}, "the usual layer patterns of a ConvNet", "01_classic_networks"
    ),
    Answer(
        "q03",
        CLASSIC,
        "truefalse",
        False,
        "what shrinks height and width besides pooling",
        "01_classic_networks",
    ),
    Answer("q04", CLASSIC, "number", 138, "the size of VGG-16", "01_classic_networks", tolerance=3),
    Answer(
        "q05", RESNET, "truefalse", False, "training error of deep plain networks", "02_residual_networks"
    ),
    Answer("q06", RESNET, "multiple", {"a", "b", "d"}, "why residual blocks help", "02_residual_networks"),
    Answer(
        "q07",
        RESNET,
        "single",
        "c",
        "which term of the residual equation is the shortcut",
        "02_residual_networks",
    ),
    Answer("q08", RESNET, "single", "b", "what an extra residual block can cost", "02_residual_networks"),
    Answer(
        "q09",
        RESNET,
        "single",
        "a",
        "the projection shortcut of the convolutional block",
        "02_residual_networks",
    ),
    Answer("q10", ONE_BY_ONE, "number", 17, "the parameters of one 1x1 filter", "03_one_by_one_convolutions"),
    Answer(
        "q11",
        ONE_BY_ONE,
        "truefalse",
        False,
        "what a 1x1 convolution does across channels",
        "03_one_by_one_convolutions",
    ),
    Answer(
        "q12",
        ONE_BY_ONE,
        "multiple",
        {"a", "b"},
        "what 1x1 convolutions and pooling each shrink",
        "03_one_by_one_convolutions",
    ),
    Answer(
        "q13",
        ONE_BY_ONE,
        "number",
        6144,
        "the weights of a channel-shrinking 1x1 layer",
        "03_one_by_one_convolutions",
    ),
    Answer("q14", INCEPTION, "multiple", {"a", "b", "d"}, "how an Inception module is built", "04_inception"),
    Answer(
        "q15",
        INCEPTION,
        "number",
        120.4,
        "the cost of a direct 5x5 convolution",
        "04_inception",
        tolerance=1.0,
    ),
    Answer(
        "q16", INCEPTION, "number", 12.4, "the cost of the bottleneck version", "04_inception", tolerance=0.3
    ),
    Answer("q17", INCEPTION, "single", "a", "the pooling branch of an Inception module", "04_inception"),
    Answer("q18", MOBILENET, "number", 2160, "the cost of a normal convolution", "05_mobilenet"),
    Answer("q19", MOBILENET, "number", 672, "the cost of a depthwise-separable convolution", "05_mobilenet"),
    Answer(
        "q20",
        MOBILENET,
        "multiple",
        {"a", "b", "d"},
        "what depthwise-separable convolutions are",
        "05_mobilenet",
    ),
    Answer("q21", MOBILENET, "single", "c", "the shapes around a depthwise layer", "05_mobilenet"),
    Answer(
        "q22", MOBILENET, "number", 144, "the expansion step of the MobileNetV2 bottleneck", "05_mobilenet"
    ),
    Answer("q23", SCALING, "single", "c", "what compound scaling scales", "06_efficientnet"),
    Answer(
        "q24",
        TRANSFER,
        "single",
        "b",
        "transfer learning with very little data",
        "07_transfer_learning_and_augmentation",
    ),
    Answer(
        "q25",
        TRANSFER,
        "multiple",
        {"a", "b", "c"},
        "common data augmentations",
        "07_transfer_learning_and_augmentation",
    ),
    Answer(
        "q26",
        TRANSFER,
        "truefalse",
        True,
        "BatchNorm in a frozen base",
        "07_transfer_learning_and_augmentation",
    ),
    Answer(
        "q27",
        PRACTICE,
        "multiple",
        {"a", "b", "d"},
        "ensembling and multi-crop",
        "08_state_of_computer_vision",
    ),
    Answer(
        "q28",
        PRACTICE,
        "single",
        "a",
        "why people start from open-source code",
        "08_state_of_computer_vision",
    ),
    Answer("q29", PRACTICE, "truefalse", True, "data versus hand-engineering", "08_state_of_computer_vision"),
]

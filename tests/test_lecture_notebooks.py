"""The ungraded lecture notebooks: they run top to bottom, and every number their prose states is computed.

The slow test executes each notebook in the venv's python3 kernel, reads back its ``FACTS`` dict and checks
(1) every number tagged in the markdown against what the code computed, at the precision it is written
with, and (2) the formula-type figures against values derived by hand here, independently of the notebook.
Run with ``pytest -m slow tests/test_lecture_notebooks.py``; each notebook's wall time is printed.
"""

import json
import math
import os
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from notebook_runner import (  # noqa: E402
    NOTEBOOK_DIR,
    lecture_env,
    mismatches,
    parse_number,
    run_notebook,
    stated_facts,
)

NOTEBOOKS = [
    "01_classic_networks",
    "02_residual_networks",
    "03_one_by_one_convolutions",
    "04_inception",
    "05_mobilenet",
    "06_efficientnet",
    "07_transfer_learning_and_augmentation",
    "08_state_of_computer_vision",
]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
TIME_LIMIT = float(os.environ.get("LECTURE_NOTEBOOK_TIME_LIMIT", "300"))  # generous: catches blow-ups only


def conv(k, c_in, filters, bias=True):
    return k * k * c_in * filters + (filters if bias else 0)


def dense(n_in, n_out):
    return n_in * n_out + n_out


def count_photos(*parts):
    return sum(1 for path in Path(lecture_env()["CASE_STUDIES_DATA"], *parts).rglob("*") if path.is_file())


# ---- hand-derived values, independent of the notebooks -------------------------------------------------

LENET_KERAS = conv(5, 1, 6) + conv(5, 6, 16) + dense(400, 120) + dense(120, 84) + dense(84, 10)
C3_CONNECTIONS = 6 * 3 + 6 * 4 + 3 * 4 + 1 * 6  # LeCun et al. 1998, Table I
LENET_1998 = (
    conv(5, 1, 6) + 6 * 2 + (C3_CONNECTIONS * 25 + 16) + 16 * 2 + conv(5, 16, 120) + dense(120, 84) + 84 * 10
)
ALEXNET_FC = dense(6 * 6 * 256, 4096) + dense(4096, 4096) + dense(4096, 1000)
ALEXNET_CONVS = conv(11, 3, 96) + conv(5, 96, 256) + conv(3, 256, 384) + conv(3, 384, 384) + conv(3, 384, 256)
ALEXNET_GROUPED_CONVS = (
    conv(11, 3, 96) + conv(5, 48, 256) + conv(3, 256, 384) + conv(3, 192, 384) + conv(3, 192, 256)
)
VGG_CONVS = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256)]
VGG_CONVS += [(256, 512)] + [(512, 512)] * 5
VGG16 = (
    sum(conv(3, a, b) for a, b in VGG_CONVS)
    + dense(7 * 7 * 512, 4096)
    + dense(4096, 4096)
    + dense(4096, 1000)
)

RESNET_34 = (
    conv(3, 3, 16, bias=False) + 4 * 16 + 16 * (2 * conv(3, 16, 16, bias=False) + 2 * 4 * 16) + dense(16, 10)
)

INCEPTION_3A_PARAMS = (
    conv(1, 192, 64)
    + conv(1, 192, 96)
    + conv(3, 96, 128)
    + conv(1, 192, 16)
    + conv(5, 16, 32)
    + conv(1, 192, 32)
)
INCEPTION_3A_MULTS = 28 * 28 * (192 * 64 + 192 * 96 + 9 * 96 * 128 + 192 * 16 + 25 * 16 * 32 + 192 * 32)

# GoogLeNet, Szegedy et al. 2014, Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj
GOOGLENET_TABLE = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}
GOOGLENET_OUT = {name: f1 + f3 + f5 + pool for name, (f1, _, f3, _, f5, pool) in GOOGLENET_TABLE.items()}
GOOGLENET_IN = dict(zip(GOOGLENET_TABLE, [192] + list(GOOGLENET_OUT.values())[:-1], strict=True))
GOOGLENET_GRID = {name: {"3": 28, "4": 14, "5": 7}[name[0]] for name in GOOGLENET_TABLE}


def module_weights(c, f1, r3, f3, r5, f5, pool):
    """Weights (no biases) of a module on c input channels = its multiplications per grid position."""
    return c * f1 + c * r3 + 9 * r3 * f3 + c * r5 + 25 * r5 * f5 + c * pool


def module_params(name):
    row = GOOGLENET_TABLE[name]
    return module_weights(GOOGLENET_IN[name], *row) + sum(row)


def stage_modules(stage):
    return [name for name in GOOGLENET_TABLE if name.startswith(stage)]


GOOGLENET_STEM_PARAMS = conv(7, 3, 64) + conv(1, 64, 64) + conv(3, 64, 192)
GOOGLENET_STEM_MULTS = 112 * 112 * 64 * 7 * 7 * 3 + 56 * 56 * 64 * 64 + 56 * 56 * 192 * 9 * 64
GOOGLENET_STAGE_MULTS = {
    stage: sum(
        GOOGLENET_GRID[n] ** 2 * module_weights(GOOGLENET_IN[n], *GOOGLENET_TABLE[n])
        for n in stage_modules(stage)
    )
    for stage in "345"
}
GOOGLENET_STAGE_PARAMS = {stage: sum(module_params(n) for n in stage_modules(stage)) for stage in "345"}
GOOGLENET_HEAD_PARAMS = dense(1024, 1000)
GOOGLENET_INFERENCE_PARAMS = (
    GOOGLENET_STEM_PARAMS + sum(GOOGLENET_STAGE_PARAMS.values()) + GOOGLENET_HEAD_PARAMS
)
GOOGLENET_MULTS = GOOGLENET_STEM_MULTS + sum(GOOGLENET_STAGE_MULTS.values()) + 1024 * 1000
# a side branch: 5x5/3 average pooling (14x14 -> 4x4), 1x1 conv to 128, FC 2048 -> 1024, FC 1024 -> 1000
AUX1_PARAMS = conv(1, 512, 128) + dense(4 * 4 * 128, 1024) + dense(1024, 1000)
AUX2_PARAMS = conv(1, 528, 128) + dense(4 * 4 * 128, 1024) + dense(1024, 1000)
AUX1_MULTS = 4 * 4 * 128 * 512 + 2048 * 1024 + 1024 * 1000

MOBILENET_V2_BLOCK = (
    24 * 144 + 4 * 144 + 9 * 144 + 4 * 144 + 144 * 24 + 4 * 24
)  # conv/BN/depthwise/BN/conv/BN

# MobileNetV2, Sandler et al. 2018, Table 2: expansion t, output channels c, repeats n, first stride s
MOBILENET_V2_TABLE = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2)]
MOBILENET_V2_TABLE += [(6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def mobilenet_v2_counts():
    """Parameters (BatchNorm: 4 values per channel, no conv biases) and multiplications per 224x224 image."""
    size, c_in = 112, 32
    params, mults = conv(3, 3, 32, bias=False) + 4 * 32, size * size * 27 * 32  # stem: 3x3, stride 2
    for t, c, n, s in MOBILENET_V2_TABLE:
        for i in range(n):
            hidden = t * c_in
            if t != 1:
                params, mults = params + c_in * hidden + 4 * hidden, mults + size * size * c_in * hidden
            size = -(-size // (s if i == 0 else 1))
            params, mults = params + 9 * hidden + 4 * hidden, mults + size * size * 9 * hidden
            params, mults = params + hidden * c + 4 * c, mults + size * size * hidden * c
            c_in = c
    params, mults = params + 320 * 1280 + 4 * 1280, mults + size * size * 320 * 1280  # Conv_1
    return params + dense(1280, 1000), mults + 1280 * 1000


MOBILENET_V2_PARAMS, MOBILENET_V2_MULTS = mobilenet_v2_counts()  # 3,538,984 and 300,774,272
# after the last bottleneck: Conv_1 (320 -> 1280, no bias) with its BatchNorm, then the 1000-way classifier
MOBILENET_V2_TOP = 320 * 1280 + 4 * 1280 + dense(1280, 1000)

EXPECTED = {
    "01_classic_networks": {
        "lenet_keras_params": LENET_KERAS,
        "lenet_C5_params": dense(400, 120),
        "lenet_c3_connections": C3_CONNECTIONS,
        "lenet_1998_params": LENET_1998,
        "alexnet_single_params": ALEXNET_CONVS + ALEXNET_FC,
        "alexnet_grouped_params": ALEXNET_GROUPED_CONVS + ALEXNET_FC,
        "alexnet_fc_params": ALEXNET_FC,
        "vgg16_params": VGG16,
        "vgg16_keras_applications_params": VGG16,
        "vgg16_fc1_params": dense(7 * 7 * 512, 4096),
        "vgg16_shrink_factor": 32,
        "vgg16_last_channels": 512,
        "LeNet-5_height_never_grows": True,
        "AlexNet_height_never_grows": True,
        "VGG-16_height_never_grows": True,
        "LeNet-5_channel_drops": 0,
        "AlexNet_channel_drops": 1,  # conv5: 384 -> 256
        "VGG-16_channel_drops": 0,
        "lenet_rbf_values": 10 * 84,
        "lenet_1998_trainable_params": LENET_1998 - 10 * 84,  # 60,000: the paper's figure
        "alexnet_lrn_dropout_params": 0,
        "vgg16_weight_layers": 13 + 3,
        "vgg16_pooling_layers": 5,
        "practice_exercise_1": [16, 16, 32],  # 65 -> (65 - 3) // 2 + 1 = 32 -> 16
        "practice_exercise_2": [conv(3, 128, 256), conv(11, 3, 96), conv(5, 1, 6)],
        "practice_exercise_3": dense(6 * 6 * 16, 120),  # 36 -> 32 -> 16 -> 12 -> 6
        "practice_worked_answers_pass": True,
        "practice_stubs_pass": False,
    },
    "02_residual_networks": {
        "depths": [4, 10, 18, 34],
        "deepest_plain_params": RESNET_34,
        "deepest_residual_params": RESNET_34,
        "zeroed_residual_max_difference": 0.0,
        # bottleneck blocks without conv biases: 1x1, BN, 3x3, BN, 1x1, BN (BN: 4 values per channel)
        "identity_block_output_shape": [16, 16, 32],
        "identity_block_params": 32 * 8 + 9 * 8 * 8 + 8 * 32 + 4 * (8 + 8 + 32),
        "conv_block_output_shape": [8, 8, 64],  # stride 2: (16 - 1) // 2 + 1
        "conv_block_out_height": 8,
        "conv_block_out_channels": 64,
        "projection_shortcut_params": 32 * 64 + 4 * 64,
        # main path 32 -> 16 -> 16 -> 64, shortcut 32 -> 64
        "conv_block_params": 32 * 16 + 9 * 16 * 16 + 16 * 64 + 32 * 64 + 4 * (16 + 16 + 64 + 64),
        "unprojected_add_fails": True,
        "resnet50_blocks": 3 + 4 + 6 + 3,  # He et al. 2015, Table 1
        "resnet50_conv_blocks": 4,
        "resnet50_identity_blocks": 2 + 3 + 5 + 2,
        "resnet50_first_projection_params": conv(1, 64, 256),  # Keras's ResNet50 convs have biases
        "practice_exercise_1": [28, 28, 256],  # (56 - 1) // 2 + 1
        "practice_exercise_2": conv(1, 128, 256, False) + 4 * 256,
        "practice_exercise_3": [1.5, 0.0, 0.0, 3.0],  # ReLU(a[l]) when the last layer is zero
        "practice_worked_answers_pass": True,
        "practice_stubs_pass": False,
    },
    "03_one_by_one_convolutions": {
        **{f"first_row_{i}": 2 * v for i, v in enumerate([1, 2, 3, 6, 5, 8])},
        "one_channel_is_scaling": True,
        "shrink_output_channels": 32,
        "shrink_params": 192 * 32 + 32,
        "shrink_multiplications": 28 * 28 * 32 * 192,
        "same_3x3_multiplications": 28 * 28 * 32 * 9 * 192,
        "ratio_3x3_to_1x1": 9.0,
        "single_filter_params_64x64x16": 17,
        "pointwise_equals_dense": True,
        "linear_stack_collapses": True,
        "shrink_weights": 192 * 32,  # the quiz's Q13
        "pool_output_height": 14,
        "pool_output_channels": 192,
        "practice_exercise_1": 2 * 1 + (-1) * 2 + 3 * 0.5 + 1,
        "practice_exercise_2": [conv(1, 256, 64), conv(1, 192, 16), conv(1, 16, 1)],
        "practice_exercise_3": [28, 28, 64],  # stride 2: (56 - 1) // 2 + 1
        "practice_worked_answers_pass": True,
        "practice_stubs_pass": False,
    },
    "04_inception": {
        "naive_multiplications": 120_422_400,
        "naive_params": conv(5, 192, 32),
        "squeeze_multiplications": 28 * 28 * 16 * 192,
        "expand_multiplications": 28 * 28 * 32 * 5 * 5 * 16,
        "bottleneck_multiplications": 12_443_648,
        "bottleneck_params": conv(1, 192, 16) + conv(5, 16, 32),
        "saving_factor": 120_422_400 / 12_443_648,
        "module_output_channels": 64 + 128 + 32 + 32,
        "module_params": INCEPTION_3A_PARAMS,
        "module_multiplications": INCEPTION_3A_MULTS,
        "unreduced_branches_multiplications": 28 * 28 * (9 * 192 * 128 + 25 * 192 * 32),
        # 256, 480, 512, 512, 512, 528, 832, 832, 1024
        "googlenet_module_channels": list(GOOGLENET_OUT.values()),
        **{f"channels_{name}": channels for name, channels in GOOGLENET_OUT.items()},
        "googlenet_module_grid": list(GOOGLENET_GRID.values()),
        "googlenet_depth_with_weights": 3 + 2 * 9 + 1,
        "main_output_shape": [2, 1000],
        "aux1_output_shape": [2, 1000],
        "aux2_output_shape": [2, 1000],
        "aux1_pooled_shape": [4, 4, 512],
        "aux2_pooled_shape": [4, 4, 528],
        "aux_pooled_side": (14 - 5) // 3 + 1,
        "uniform_guess_loss": math.log(1000),
        "loss_weight_side": 0.3,
        "loss_is_weighted_sum": True,
        "googlenet_params": GOOGLENET_INFERENCE_PARAMS + AUX1_PARAMS + AUX2_PARAMS,
        "googlenet_inference_params": GOOGLENET_INFERENCE_PARAMS,
        "aux1_params": AUX1_PARAMS,
        "aux2_params": AUX2_PARAMS,
        "side_branch_param_share": (AUX1_PARAMS + AUX2_PARAMS)
        / (GOOGLENET_INFERENCE_PARAMS + AUX1_PARAMS + AUX2_PARAMS),
        "head_params": GOOGLENET_HEAD_PARAMS,
        "stem_params": GOOGLENET_STEM_PARAMS,
        "stage3_params": GOOGLENET_STAGE_PARAMS["3"],
        "stage4_params": GOOGLENET_STAGE_PARAMS["4"],
        "stage5_params": GOOGLENET_STAGE_PARAMS["5"],
        "stem_multiplications": GOOGLENET_STEM_MULTS,
        "stage3_multiplications": GOOGLENET_STAGE_MULTS["3"],
        "stage4_multiplications": GOOGLENET_STAGE_MULTS["4"],
        "stage5_multiplications": GOOGLENET_STAGE_MULTS["5"],
        "head_multiplications": 1024 * 1000,
        "googlenet_multiplications": GOOGLENET_MULTS,
        "aux1_multiplications": AUX1_MULTS,
        "stem_param_share": GOOGLENET_STEM_PARAMS / GOOGLENET_INFERENCE_PARAMS,
        "stem_mult_share": GOOGLENET_STEM_MULTS / GOOGLENET_MULTS,
        "stage5_param_share": GOOGLENET_STAGE_PARAMS["5"] / GOOGLENET_INFERENCE_PARAMS,
        "stage5_mult_share": GOOGLENET_STAGE_MULTS["5"] / GOOGLENET_MULTS,
        "practice_exercise_1": GOOGLENET_OUT["4e"],
        "practice_exercise_2": 28 * 28 * 256 * 32,  # 3b's 5x5 reduce: 28x28x256 -> 28x28x32
        "practice_exercise_3": module_params("4a"),
        "practice_worked_answers_pass": True,
        "practice_stubs_pass": False,
    },
    "05_mobilenet": {
        "normal_cost": 2160,
        "depthwise_cost": 432,
        "pointwise_cost": 240,
        "separable_cost": 672,
        "cost_ratio": 672 / 2160,
        "formula_ratio": 1 / 5 + 1 / 9,
        "first_layer_normal_mults": 56 * 56 * 128 * 9 * 128,
        "first_layer_mult_ratio": 1 / 128 + 1 / 9,
        "block_expanded_channels": 144,
        "block_output_channels": 24,
        "block_params": MOBILENET_V2_BLOCK,
        "keras_block_2_params": MOBILENET_V2_BLOCK,
        "v2_bottlenecks": 17,
        "v1_separable_layers": 13,
        "formula_ratio_128": 1 / 128 + 1 / 9,
        # the lecture's bottleneck: n x n x 3, expansion factor 6, projection back to 3 channels
        "lecture_expanded_channels": 18,
        "lecture_depthwise_channels": 18,
        "lecture_projected_channels": 3,
        "lecture_stride2_shapes": [[7, 7, 18], [4, 4, 18], [4, 4, 3]],  # n = 7: ceil(7 / 2) = 4
        "lecture_stride2_side": 4,
        "block_depthwise_shape": [56, 56, 144],
        "v2_expansion_layers": 16,  # the first block has t = 1
        "v2_stride2_blocks": 4,  # Table 2: the first block of the 24-, 32-, 64- and 160-channel stages
        # a residual add in each repeat after a stage's first block (24, 32, 64, 96 and 160 channels)
        "v2_residual_adds": (2 - 1) + (3 - 1) + (4 - 1) + (3 - 1) + (3 - 1),
        "v1_starts_with_normal_conv": True,
        # Keras's block_1: 112x112x16, expansion 6, stride 2, 24 projection filters
        "stride2_block_shapes": [[112, 112, 96], [56, 56, 96], [56, 56, 24]],
        "stride2_matches_keras_block_1": True,
        "stride2_depthwise_input_shape": [112, 112, 96],
        "stride2_expanded_channels": 96,
        "stride2_depthwise_side": 56,
        "stride2_projected_channels": 24,
        "stride2_has_residual": False,
        "last_block_output_channels": 320,
        "conv_1_output_shape": [7, 7, 1280],
        "conv_1_params": 320 * 1280,
        "conv_1_multiplications": 7 * 7 * 320 * 1280,
        "v2_params": MOBILENET_V2_PARAMS,
        "v2_multiplications": MOBILENET_V2_MULTS,
        "conv_1_param_share": 320 * 1280 / MOBILENET_V2_PARAMS,
        "conv_1_mult_share": 7 * 7 * 320 * 1280 / MOBILENET_V2_MULTS,
        "classifier_params": dense(1280, 1000),
        "classifier_param_share": dense(1280, 1000) / MOBILENET_V2_PARAMS,
        "after_last_block_param_share": MOBILENET_V2_TOP / MOBILENET_V2_PARAMS,
        "practice_exercise_1": 1 / 64 + 1 / 25,
        "practice_exercise_2": [[14, 14, 576], [7, 7, 576], [7, 7, 160]],  # Keras's block_13
        "practice_exercise_3": MOBILENET_V2_TOP,
        "practice_worked_answers_pass": True,
        "practice_stubs_pass": False,
    },
    "06_efficientnet": {
        "cost_per_phi_step": 1.2 * 1.1**2 * 1.15**2,
        "cost_factor_phi_3": (1.2 * 1.1**2 * 1.15**2) ** 3,
        "b0_blocks": 16,
        "b7_blocks": sum(math.ceil(3.1 * r) for r in [1, 2, 2, 3, 3, 4, 1]),
        # phi read off each released coefficient: d = 1.2^phi, w = 1.1^phi, r / 224 = 1.15^phi
        "b1_phi_resolution": math.log(240 / 224) / math.log(1.15),
        "b4_phi_resolution": math.log(380 / 224) / math.log(1.15),
        "b7_phi_depth": math.log(3.1) / math.log(1.2),
        "b7_phi_width": math.log(2.0) / math.log(1.1),
        "b7_phi_resolution": math.log(600 / 224) / math.log(1.15),
        "b7_depth_at_resolution_phi": 1.2 ** (math.log(600 / 224) / math.log(1.15)),
        "b3_depth_shortfall": 1.2 ** (math.log(300 / 224) / math.log(1.15)) - 1.4,
        "b7_depth_shortfall": 1.2 ** (math.log(600 / 224) / math.log(1.15)) - 3.1,
        "one_phi_models": ["B1", "B2"],
        "depth_lags_models": ["B3", "B4", "B5", "B6", "B7"],
        "width_fits_models": 7,
        # B0's block2b: 24 -> 144 (1x1, BN), 3x3 depthwise (BN), 144 -> 24 (1x1, BN), no conv biases ...
        "mbconv_without_se_params": 24 * 144 + 4 * 144 + 9 * 144 + 4 * 144 + 144 * 24 + 4 * 24,
        # ... plus squeeze-and-excitation 144 -> 6 -> 144 with biases (6 = 24 input channels / 4)
        "se_params": dense(144, 6) + dense(6, 144),  # 1878
        "mbconv_params": 24 * 144 + 4 * 144 + 9 * 144 + 4 * 144 + 144 * 24 + 4 * 24 + 1878,
        "keras_block2b_params": 24 * 144 + 4 * 144 + 9 * 144 + 4 * 144 + 144 * 24 + 4 * 24 + 1878,
        "se_rescales_channels": True,
        "se_gates_between_0_and_1": True,
        "b0_stage_blocks": [1, 2, 2, 3, 3, 4, 1],  # Tan and Le 2019, Table 1
        "b0_stage_channels": [16, 24, 40, 80, 112, 192, 320],
        "b0_stage_kernels": [3, 3, 5, 3, 5, 5, 3],
        "b0_stage_expansion": [1, 6, 6, 6, 6, 6, 6],
        "practice_exercise_1": (1.2 * 1.1**2 * 1.15**2) ** 4,
        "practice_exercise_2": round(224 * 1.15**4),
        "practice_exercise_3": dense(240, 10) + dense(10, 240),  # block3b: 40 * 6 expanded, 40 / 4 reduced
        "practice_worked_answers_pass": True,
        "practice_stubs_pass": False,
    },
    "07_transfer_learning_and_augmentation": {
        "base_trainable_frozen": 0,
        "model_trainable_frozen": dense(1280, 5),
        "model_non_trainable_frozen": 2_257_984,  # MobileNetV2(alpha=1.0, include_top=False), Keras docs
        "head_train_photos": 5 * 64,
        "credited_photos": 5,
        "augmentation_is_identity_at_inference": True,
        # MobileNetV2's BatchNorm layers: bn_Conv1, expanded_conv (depthwise, project), blocks 1-16 (expand,
        # depthwise, project), Conv_1_bn; all with momentum 0.999
        "bn_layers": 1 + 2 + 16 * 3 + 1,
        "bn_momentum": 0.999,
        "bn_step_photos": 5 * 2,
        "bn_changed_frozen": 0,
        # fine-tuning from block 13 with BatchNorm frozen: the 1x1 and depthwise convolutions (no biases) of
        # blocks 13-16 and Conv_1, plus the head
        "model_trainable_fine_tune": (96 * 576 + 9 * 576 + 576 * 160)
        + 2 * (160 * 960 + 9 * 960 + 960 * 160)
        + (160 * 960 + 9 * 960 + 960 * 320)
        + 320 * 1280
        + dense(1280, 5),
        "top_bn_layers_frozen": 4 * 3 + 1,
        "fine_tune_start_matches_head": True,
        "fine_tune_train_loss_falls": True,
        "warp_zero_is_identity": True,
        "practice_exercise_1": dense(1280, 10),
        "practice_exercise_3": (96 * 576 + 9 * 576 + 576 * 160)
        + 2 * (160 * 960 + 9 * 960 + 960 * 160)
        + (160 * 960 + 9 * 960 + 960 * 320)
        + 320 * 1280
        + dense(1280, 5),
        "practice_worked_answers_pass": True,
        "practice_stubs_pass": False,
    },
    "08_state_of_computer_vision": {
        "models": 3,
        "flower_classes": 5,
        "flower_photos": 5 * (100 + 40),
        "flower_test_photos": 5 * 40,
        "curve_sizes": [5, 10, 20, 50, 100],
        "curve_steps": 150,
        "feature_size": 1280,
        "head_params": dense(1280, 5),
        # scratch CNN: 3x3 convs 3 -> 16 (stride 2) -> 32 -> 64, then a dense layer 64 -> 5
        "scratch_params": conv(3, 3, 16) + conv(3, 16, 32) + conv(3, 32, 64) + dense(64, 5),
        "chance": 1 / 5,
        "standard_error_points_at_70": 100 * math.sqrt(0.7 * 0.3 / 200),
        "mobilenet_v2_black": -1.0,
        "mobilenet_v2_white": 1.0,
        "mobilenet_v2_grey_51": 51 / 127.5 - 1,
        "resnet50_red_first_channel": 0 - 103.939,  # "caffe": BGR order, minus the mean pixel, no scaling
        "efficientnet_unchanged": True,
        "weight_sizes_present": [160, 224],  # grader/weights.py: the MobileNet v2 files the course ships
        "practice_exercise_1": 7 * 10 * 3,
        "practice_exercise_2": [-0.6, -103.939],
        "practice_worked_answers_pass": True,
        "practice_stubs_pass": False,
    },
}


def same(expected, computed):
    if isinstance(expected, bool) or isinstance(expected, list):
        return computed == expected
    return math.isclose(computed, expected, rel_tol=1e-9, abs_tol=1e-9)


# ---- checks of measured results that the prose describes in words ---------------------------------------


def check_02(facts):
    assert facts["train_photos"] == count_photos("signs", "train")
    plain, residual = facts["plain_errors"], facts["residual_errors"]
    assert len(plain) == len(residual) == 4
    assert all(0 <= e <= 1 for e in plain + residual)
    # the verdict the notebook prints must follow from its numbers by the rule its markdown states
    assert facts["plain_gets_worse"] == (plain[-1] > min(plain) + 0.05)
    assert facts["residual_gets_worse"] == (residual[-1] > min(residual) + 0.05)
    assert facts["agrees_with_lecture"] == (facts["plain_gets_worse"] and not facts["residual_gets_worse"])
    assert math.isclose(facts["deepest_gap"], plain[-1] - residual[-1], abs_tol=1e-9)
    verdicts = {(True, False): "agrees", (True, True): "both_worse", (False, True): "only_residual_worse"}
    worse = (facts["plain_gets_worse"], facts["residual_gets_worse"])
    assert facts["experiment_verdict"] == verdicts.get(worse, "neither_worse")
    # the summary's sentence about the experiment is generated from the verdict, never asserted in advance
    line = facts["summary_experiment_line"]
    assert ("plain networks got harder to train" in line) == facts["plain_gets_worse"]
    assert ("residual networks got harder to train" in line) == facts["residual_gets_worse"]
    assert ("reproduced" in line) == facts["agrees_with_lecture"]
    # the gradient verdicts (question 26) follow from the measured ratios by the rule the markdown states
    for kind in ("plain", "residual"):
        ratio = facts[f"gradient_ratio_{kind}"]
        rule = "explodes" if ratio > 10 else "vanishes" if ratio < 0.1 else "stays within a factor of 10"
        assert ratio > 0 and facts[f"gradient_verdict_{kind}"] == rule
    # stated in words: a zeroed plain block loses its input; the residual block fits the identity better
    assert facts["zeroed_plain_max_difference"] > 0.5
    assert facts["identity_residual_closer"] == (
        facts["identity_residual_final_mse"] < facts["identity_plain_final_mse"]
        and facts["identity_residual_weight_size"] < facts["identity_plain_weight_size"]
    )
    assert facts["identity_residual_closer"]


def check_04(facts):
    assert facts["naive_seconds"] > 0 and facts["bottleneck_seconds"] > 0
    assert facts["forward_seconds"] > 0
    # "an untrained network scores about ln 1000 on each output"; the total is main + 0.3 * (aux1 + aux2)
    losses = facts["losses"]
    assert all(abs(losses[k] - math.log(1000)) < 0.1 for k in ("main_loss", "aux1_loss", "aux2_loss"))
    weighted = losses["main_loss"] + 0.3 * (losses["aux1_loss"] + losses["aux2_loss"])
    assert math.isclose(losses["loss"], weighted, rel_tol=1e-4)
    # "stage 4 costs the most multiplications"
    stages = ("stem", "stage3", "stage4", "stage5", "head")
    assert max(stages, key=lambda s: facts[f"{s}_multiplications"]) == "stage4" == facts["costliest_stage"]


def check_05(facts):
    assert facts["separable_layer_max_error"] < 1e-5
    for row in facts["realistic_layers"]:
        size, channels = map(int, row["layer"].split("x")[1:])
        assert row["normal_mults"] == size * size * channels * 9 * channels
        assert row["separable_mults"] == size * size * channels * (9 + channels)
        assert row["normal_s"] > 0 and row["separable_s"] > 0
    # the timing verdicts follow from the measured rows by the rules the markdown states
    rows = facts["realistic_layers"]
    assert facts["separable_faster_layers"] == sum(r["separable_s"] < r["normal_s"] for r in rows)
    assert facts["time_saving_short_layers"] == sum(
        r["separable_s"] / r["normal_s"] > r["separable_mults"] / r["normal_mults"] for r in rows
    )


def check_06(facts):
    published = {"B0": (5.3e6, 0.39e9), "B7": (66e6, 37e9)}  # Tan and Le 2019, Table 2
    for name, (params, madds) in published.items():
        row = facts["measured"][name]
        assert abs(row["params"] / params - 1) < 0.05, name
        assert abs(row["multiply_adds"] / madds - 1) < 0.05, name
    resolutions = [row["resolution"] for row in facts["measured"].values()]
    assert resolutions == [224, 240, 260, 300, 380, 456, 528, 600]
    # "the shortfall grows from B3 to B7"; B1 and B2 round to their released depth
    shortfalls = facts["depth_shortfalls"]
    assert all(abs(s) < 0.05 for s in shortfalls[:2])
    assert all(a < b for a, b in zip(shortfalls[2:-1], shortfalls[3:], strict=True))


def check_07(facts):
    assert facts["base_trainable"] + facts["base_non_trainable"] == 2_257_984
    assert 0.5 < facts["head_val_accuracy"] <= 1  # "classifies most of the held-out photos correctly"
    # the BatchNorm test: verdicts follow from the counts; the prose says "all layers changed" with
    # training=False and "the output is the same in both modes" with BatchNorm frozen
    assert facts["training_false_keeps_moving_stats"] == (facts["bn_changed_training_false"] == 0)
    assert facts["frozen_bn_keeps_moving_stats"] == (facts["bn_changed_frozen"] == 0)
    assert facts["bn_changed_training_false"] == facts["bn_layers"]
    assert facts["bn_way_1"]["forward_gap"] > 0 and facts["bn_way_2"]["forward_gap"] == 0
    change = facts["fine_tune_val_change_photos"]
    assert facts["fine_tune_verdict"] == ("better" if change > 0 else "worse" if change < 0 else "unchanged")
    seconds = facts["pipeline_seconds"]
    assert all(value > 0 for value in seconds.values())
    speedup = seconds["plain pipeline + training"] / seconds["parallel map + prefetch + training"]
    assert math.isclose(facts["pipeline_speedup"], speedup)
    assert facts["pipeline_overlap_helps"] == (speedup > 1.1)
    assert 0 < facts["warp_max_shift_pixels"] <= 8  # "no pixel moves by more than the 8 pixels"


def check_08(facts):
    assert facts["test_photos"] == count_photos("signs", "test")
    passes = {name: row["passes"] for name, row in facts["strategies"].items()}
    assert sorted(passes.values()) == [1, 3, 10, 30]
    assert all(0 <= row["accuracy"] <= 1 for row in facts["strategies"].values())
    assert all(row["seconds"] > 0 for row in facts["strategies"].values())
    assert len(facts["single_model_accuracies"]) == 3
    # the time-per-photo verdicts follow from the measured seconds
    one = facts["strategies"]["1 model, centre crop"]["seconds"]
    for name, row in facts["strategies"].items():
        assert math.isclose(facts["time_ratio"][name], row["seconds"] / one)
        assert math.isclose(facts["ms_per_photo"][name], 1000 * row["seconds"] / facts["test_photos"])
    assert facts["time_grows_like_passes"] == (
        0.8 * 30 <= facts["time_ratio"]["3 models, 10 crops"] <= 1.2 * 30
    )
    # the learning-curve verdicts follow from the table by the rules the markdown states
    sizes, pre, scr = facts["curve_sizes"], facts["curve_pretrained"], facts["curve_scratch"]
    assert all(0 <= a <= 1 for a in pre + scr)
    n_test = facts["flower_test_photos"]

    def two_errors(p, s):  # two standard errors of the difference of two accuracies on the test photos
        return 2 * math.sqrt((p * (1 - p) + s * (1 - s)) / n_test)

    def first(accuracies, target):
        return next((n for n, a in zip(sizes, accuracies, strict=True) if a >= target), -1)

    ahead = [n for n, p, s in zip(sizes, pre, scr, strict=True) if p - s > two_errors(p, s)]
    assert facts["pretrained_ahead_at"] == ahead
    assert facts["scratch_n_to_match_pretrained_at_5"] == first(scr, pre[0])
    assert facts["pretrained_n_to_match_scratch_at_100"] == first(pre, scr[-1])
    change = (pre[-1] - scr[-1]) - (pre[0] - scr[0])
    trend = "shrinks" if change < -0.05 else "grows" if change > 0.05 else "stays within 5 points"
    assert facts["gap_trend"] == trend
    assert facts["practice_exercise_3"] == [first(scr, pre[0]), first(pre, scr[-1]), -1]
    # "forgetting the preprocessing costs more than two standard errors" is printed only when it does
    p, f = facts["preprocessing_proper_accuracy"], facts["preprocessing_forgotten_accuracy"]
    assert p == pre[sizes.index(20)]
    assert facts["forgetting_preprocessing_hurts"] == (p - f > two_errors(p, f))


EXTRA_CHECKS = {
    "02_residual_networks": check_02,
    "04_inception": check_04,
    "05_mobilenet": check_05,
    "06_efficientnet": check_06,
    "07_transfer_learning_and_augmentation": check_07,
    "08_state_of_computer_vision": check_08,
}


# ---- fast tests ------------------------------------------------------------------------------------------


def test_the_eight_notebooks_are_there():
    assert sorted(path.stem for path in NOTEBOOK_DIR.glob("*.ipynb")) == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_clean_and_tagged(name):
    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert dict(nb.metadata["kernelspec"]) == KERNELSPEC
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs not stripped"
    stated = stated_facts(nb)
    assert stated, f"{name}: no tagged numbers in its markdown"
    assert any("FACTS = {}" in cell.source for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.parametrize(
    ("text", "scale", "value", "tolerance"),
    [
        ("61,706", "", 61706, 0.5),
        ("62.4", "million", 62.4e6, 0.05e6),
        ("0.31", "", 0.31, 0.005),
        ("94", "%", 0.94, 0.005),
        ("37.7", "billion", 37.7e9, 0.05e9),
    ],
)
def test_parse_number(text, scale, value, tolerance):
    parsed_value, parsed_tolerance = parse_number(text, scale)
    assert math.isclose(parsed_value, value) and math.isclose(parsed_tolerance, tolerance)


def fake_notebook(markdown):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(markdown))
    return nb


def test_checker_accepts_correct_and_rejects_wrong_prose():
    facts = {"params": 62_378_344, "share": 0.9399, "exact": 2160}
    good = fake_notebook(
        "AlexNet has 62.4 million<!-- fact:params -->, i.e. 62,378,344<!-- fact:params -->; "
        "the FC layers hold 94%<!-- fact:share -->; cost 2160<!-- fact:exact -->."
    )
    assert mismatches(stated_facts(good), facts) == []
    for wrong in (
        "62.3 million<!-- fact:params -->",  # the lecture's truncated figure is not the rounded count
        "62,378,345<!-- fact:params -->",
        "93%<!-- fact:share -->",
        "2,161<!-- fact:exact -->",
        "5<!-- fact:not_computed -->",
    ):
        assert len(mismatches(stated_facts(fake_notebook(wrong)), facts)) == 1, wrong
    with pytest.raises(ValueError):
        stated_facts(fake_notebook("a tag with no number <!-- fact:params -->"))


def test_environment_defaults_come_from_the_repository(monkeypatch):
    monkeypatch.delenv("CASE_STUDIES_DATA", raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    env = lecture_env()
    repo = Path(__file__).resolve().parents[1]
    assert env["CASE_STUDIES_DATA"] == str(repo / "data" / "prepared" / "students")
    assert env["KERAS_HOME"] == str(repo / "data" / "prepared" / "students" / "keras")


# ---- slow test: execute and compare ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_states_what_it_computes(name, capsys, record_property, prepared_data):
    run = run_notebook(NOTEBOOK_DIR / f"{name}.ipynb")
    record_property("wall_seconds", round(run.seconds, 1))
    with capsys.disabled():
        print(f"\n[lecture notebook] {name}: {run.seconds:.1f} s")
    timings = os.environ.get("LECTURE_NOTEBOOK_TIMINGS")
    if timings:  # optional: append one JSON line per notebook to this file
        with open(timings, "a", encoding="utf-8") as out:
            out.write(json.dumps({"notebook": name, "seconds": round(run.seconds, 1)}) + "\n")

    assert Path(run.kernel_prefix).resolve() == Path(sys.prefix).resolve(), (
        "notebook ran in another environment"
    )
    problems = mismatches(stated_facts(run.notebook), run.facts)
    assert not problems, "prose and code disagree:\n" + "\n".join(problems)
    wrong = {
        key: (expected, run.facts.get(key))
        for key, expected in EXPECTED[name].items()
        if key not in run.facts or not same(expected, run.facts[key])
    }
    assert not wrong, f"computed figures differ from hand-derived ones (expected, computed): {wrong}"
    if name in EXTRA_CHECKS:
        EXTRA_CHECKS[name](run.facts)
    assert run.seconds < TIME_LIMIT, f"{name} took {run.seconds:.0f} s"

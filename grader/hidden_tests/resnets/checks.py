"""Shared pieces of the ResNets hidden checks."""

import numpy as np
import pytest

from grader.hidden_tests import keras_graph
from grader.hidden_tests.resnets import probe_plan, reference


def saved_model(artifacts, probe_report, artifact: str, filename: str):
    status = probe_report.get("artifacts", {}).get(artifact, "not built")
    if status != "ok":
        pytest.fail(f"{artifact}: {status}")
    return keras_graph.load(artifacts / filename)


def outputs_match(student, reference_model, seed: int, training: bool) -> bool:
    if not keras_graph.align_random_weights(student, reference_model, seed):
        return False
    x = np.random.default_rng(seed + 1).normal(0, 1, (4, *reference_model.input_shape[1:])).astype("float32")
    ours = reference_model(x, training=training)
    theirs = student(x, training=training)
    if tuple(theirs.shape) != tuple(ours.shape):
        return False
    return np.allclose(np.asarray(theirs), np.asarray(ours), rtol=1e-4, atol=1e-4)


def identity_reference(case):
    shape, f, filters = case
    return reference.block_model(reference.identity_block, shape, f=f, filters=filters)


def convolutional_reference(case):
    shape, f, filters, s = case
    return reference.block_model(reference.convolutional_block, shape, f=f, filters=filters, s=s)


IDENTITY = list(enumerate(probe_plan.IDENTITY_CASES))
CONVOLUTIONAL = list(enumerate(probe_plan.CONVOLUTIONAL_CASES))

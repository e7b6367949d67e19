"""Execute the lecture notebooks and compare the numbers their prose states with what their code computes.

Convention used by every notebook in notebooks/:

* code cells put each figure the notebook talks about into a dict named ``FACTS``;
* markdown cells tag a stated number with an invisible HTML comment right after it, for example
  ``61,706<!-- fact:lenet_keras_params -->`` or ``62.4 million<!-- fact:alexnet_single_params -->``.

A stated number counts as correct when the computed value rounds to it at the precision it is written
with: "62.4 million" accepts 62.35e6 to 62.45e6, "94%" accepts 0.935 to 0.945, "61,706" only 61706.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
FACTS_MARKER = "LECTURE-NOTEBOOK-FACTS:"

SCALES = {"": 1, "thousand": 1e3, "million": 1e6, "billion": 1e9, "%": 0.01}
# a number, an optional scale word or percent sign, then the tag
TAG = re.compile(
    r"(?P<number>-?\d[\d,]*(?:\.\d+)?)\s*(?P<scale>thousand|million|billion|%)?\s*"
    r"<!--\s*fact:\s*(?P<key>[\w.-]+)\s*-->"
)
LOOSE_TAG = re.compile(r"<!--\s*fact:")


@dataclass(frozen=True)
class Stated:
    key: str
    text: str  # as written, e.g. "62.4 million"
    value: float
    tolerance: float  # half a unit of the last written digit


def parse_number(number: str, scale: str = "") -> tuple[float, float]:
    """Value and rounding tolerance of a number as written in prose ("60,840", "62.4", "0.31")."""
    digits = number.replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    factor = SCALES[scale or ""]
    return float(digits) * factor, 0.5 * 10.0**-decimals * factor


def stated_facts(nb) -> list[Stated]:
    """Every tagged number in the notebook's markdown cells, in order."""
    stated = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        matches = list(TAG.finditer(cell.source))
        if len(matches) != len(LOOSE_TAG.findall(cell.source)):
            raise ValueError(f"a fact tag without a number right before it in cell {cell.get('id')}")
        for match in matches:
            value, tolerance = parse_number(match["number"], match["scale"] or "")
            text = match["number"] + (f" {match['scale']}" if match["scale"] else "")
            stated.append(Stated(match["key"], text.replace(" %", "%"), value, tolerance))
    return stated


def agrees(stated: Stated, computed) -> bool:
    if isinstance(computed, bool) or not isinstance(computed, int | float):
        return False
    # a relative epsilon on top of the rounding tolerance absorbs float noise in e.g. 0.30999999
    return math.isclose(computed, stated.value, rel_tol=0, abs_tol=stated.tolerance * (1 + 1e-9))


def mismatches(stated: list[Stated], facts: dict) -> list[str]:
    """Human-readable problems: stated numbers that are missing from FACTS or disagree with it."""
    problems = []
    for item in stated:
        if item.key not in facts:
            problems.append(f"{item.key}: stated as {item.text} but not in FACTS")
        elif not agrees(item, facts[item.key]):
            problems.append(f"{item.key}: prose says {item.text}, code computed {facts[item.key]!r}")
    return problems


def lecture_env() -> dict[str, str]:
    """The environment the notebooks run in: the caller's, plus defaults derived from this repository."""
    env = dict(os.environ)
    data = Path(env.get("CASE_STUDIES_DATA") or REPO / "data" / "prepared" / "students")
    env["CASE_STUDIES_DATA"] = str(data)
    env.setdefault("KERAS_HOME", str(data / "keras"))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("MPLBACKEND", "agg")
    return env


@dataclass
class Run:
    notebook: object  # the executed nbformat notebook
    facts: dict
    seconds: float
    kernel_prefix: str


def run_notebook(path: Path, timeout: int = 900, env: dict | None = None) -> Run:
    """Execute a notebook top to bottom in the python3 kernel, then read FACTS back through the kernel."""
    nb = nbformat.read(path, as_version=4)
    probe = (
        "import json as _json, sys as _sys\n"
        f"print({FACTS_MARKER!r} + _json.dumps({{'facts': FACTS, 'prefix': _sys.prefix}}, default=float))"
    )
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute(env=env or lecture_env())
    seconds = time.perf_counter() - start
    payload = None
    for output in nb.cells[-1].outputs:
        if output.get("name") == "stdout" and FACTS_MARKER in output.get("text", ""):
            payload = json.loads(output["text"].split(FACTS_MARKER, 1)[1])
    if payload is None:
        raise RuntimeError(f"{path.name}: the FACTS probe printed nothing")
    nb.cells.pop()
    return Run(nb, payload["facts"], seconds, payload["prefix"])


if __name__ == "__main__":  # python tests/notebook_runner.py notebooks/01_*.ipynb ...
    for name in sys.argv[1:]:
        run = run_notebook(Path(name))
        problems = mismatches(stated_facts(run.notebook), run.facts)
        print(f"{Path(name).name}: {run.seconds:.1f} s, {len(run.facts)} facts, {len(problems)} problems")
        for problem in problems:
            print("   ", problem)
        print("   ", json.dumps(run.facts, default=float)[:3000])

"""Source notebooks stay small in git: no outputs, no execution counts."""

import json
from pathlib import Path

from grader import settings

NOTEBOOK_FOLDERS = ("notebooks", "assignments/source")


def problems(only: Path | None = None) -> list[str]:
    """Notebooks with outputs in `only` (default: the repository's lecture and source notebooks)."""
    found = []
    for folder in [only] if only else [settings.REPO / name for name in NOTEBOOK_FOLDERS]:
        for path in sorted(folder.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            cells = json.loads(path.read_text())["cells"]
            for i, cell in enumerate(cells):
                if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count")):
                    found.append(f"{path}: cell {i} has outputs; strip them")
                    break
    return found

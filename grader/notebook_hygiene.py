"""Source notebooks stay small in git: no outputs, no execution counts."""

import json

from grader import settings

NOTEBOOK_FOLDERS = ("notebooks", "assignments/source")


def problems() -> list[str]:
    found = []
    for folder in NOTEBOOK_FOLDERS:
        for path in sorted((settings.REPO / folder).rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            cells = json.loads(path.read_text())["cells"]
            for i, cell in enumerate(cells):
                if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count")):
                    found.append(f"{path.relative_to(settings.REPO)}: cell {i} has outputs; strip them")
                    break
    return found

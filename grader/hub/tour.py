"""Rewrite the README's illustrated tour of the course hub from the browser test's screenshots.

`make hub-tour` runs tests/test_hub.py with its screenshots sent to docs/hub-tour/ (each PNG beside a
caption file), then runs this module, which replaces what stands between the two markers in README.md.
"""

import sys
from pathlib import Path

BEGIN = "<!-- hub-tour: written by `make hub-tour`, do not edit by hand -->"
END = "<!-- /hub-tour -->"


def tour(shots: Path, relative_to: Path) -> str:
    lines = []
    for number, image in enumerate(sorted(shots.glob("*.png")), start=1):
        caption = image.with_suffix(".txt").read_text().strip()
        lines += [f"{number}. {caption}", "", f"   ![{caption}]({image.relative_to(relative_to)})", ""]
    if not lines:
        raise SystemExit(f"no screenshots in {shots}: run the browser test first (make hub-tour)")
    return "\n".join(lines)


def rewrite(readme: Path, shots: Path) -> None:
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme} has no hub-tour markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{tour(shots, readme.parent)}\n{END}{tail}")


if __name__ == "__main__":
    rewrite(Path(sys.argv[2]), Path(sys.argv[1]))

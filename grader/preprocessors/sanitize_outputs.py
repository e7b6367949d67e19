"""Make everything student code or student text put in the graded notebook inert in a browser.

Guarantee: when this step ends, no cell of the autograded notebook holds markup a browser would
run, so the feedback HTML (opened by TAs), the formgrader (on the grading account's Jupyter server,
with its API token) and the feedback students get show it as data, never as script:

- every output of a code cell carries only inert MIME types (text/plain, image/png, image/jpeg,
  the images checked to be base64); HTML, SVG, JavaScript, Markdown, LaTeX, JSON, widget views and
  unknown types are dropped, and a plain-text note in the output says what the grader removed;
- output metadata keeps only numeric image sizes: nbconvert writes `width=` unquoted, so a string
  there is an attribute of its own (`1 onerror=...`);
- markdown and raw cells that are not the course's own text (a locked cell, restored from the gradebook
  by OverwriteCells just before, or a cell identical to one of the released notebook) are
  rendered here with raw HTML escaped and harmful link protocols refused, cleaned by bleach to an
  allowlist of tags, attributes and URLs, and stored as one HTML block that markdown passes
  through unchanged (raw cells lose instead the mimetype that would make nbconvert show them);
- attachments keep only PNG and JPEG images, and widget state in the notebook metadata is dropped.

Runs after HiddenChecks (which reads answers, never outputs) and before grades are saved.
"""

import re
from pathlib import Path
from urllib.parse import urlparse

import bleach
import nbformat
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

INERT = ("text/plain", "image/png", "image/jpeg")
IMAGES = ("image/png", "image/jpeg")
NOTE = "[output removed by the grader: {types} (grading pages show only text and images, never markup)]"
TAGS = {
    *("p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "code", "pre", "em", "strong", "del"),
    *("ul", "ol", "li", "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "div"),
}
HEADING = re.compile(r"h[1-6]")  # their ids are the anchors markdown makes for headings
LINK_SCHEMES = {"http", "https", "mailto"}
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*\Z")


def _base64(value) -> bool:
    """Image data the templates write into a src attribute: base64 only, no quote to escape from."""
    text = "".join(value) if isinstance(value, list) else value
    return isinstance(text, str) and BASE64.fullmatch(text) is not None


def _inert_output(output: NotebookNode) -> NotebookNode:
    if output.get("output_type") == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        text = output.get("text", "")
        return new_output("stream", name=name, text=text if isinstance(text, str) else "".join(text))
    if output.get("output_type") == "error":  # rendered as escaped text: only its types are checked
        text = [str(line) for line in output.get("traceback", [])]
        return new_output(
            "error", ename=str(output.get("ename", "")), evalue=str(output.get("evalue", "")), traceback=text
        )
    if output.get("output_type") not in ("display_data", "execute_result"):
        return new_output("stream", name="stdout", text=NOTE.format(types="an unknown output") + "\n")
    data = output.get("data", {})
    kept = {k: v for k, v in data.items() if k in INERT and (k not in IMAGES or _base64(v))}
    removed = sorted(set(data) - set(kept))
    if removed or not kept:
        # said even beside a text/plain, often only a repr such as <IPython.core.display.HTML object>
        note = NOTE.format(types=", ".join(removed) or "an empty output")
        text = kept.get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        kept["text/plain"] = f"{text}\n{note}" if text else note
    metadata = {}
    for image in set(kept) & set(IMAGES):
        sizes = output.get("metadata", {}).get(image, {})
        sizes = {k: v for k, v in sizes.items() if k in ("width", "height") and type(v) in (int, float)}
        if sizes:
            metadata[image] = sizes
    inert = new_output(output["output_type"], data=kept, metadata=metadata)
    if output["output_type"] == "execute_result":
        inert.execution_count = output.get("execution_count")
    return inert


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if (
        name in ("alt", "title")
        or (tag == "ol" and name == "start")
        or (HEADING.fullmatch(tag) and name == "id")
    ):
        return True
    if tag == "a" and name == "href":
        return value.startswith("#") or urlparse(value).scheme in LINK_SCHEMES
    if tag == "img" and name == "src":
        return urlparse(value).scheme in ("http", "https") or IMAGE_DATA.match(value) is not None
    return False


def inert_markdown(source: str, attachments: dict | None = None) -> str:
    """Markdown as one HTML block with no active markup, that markdown renders unchanged."""
    images = {
        name: {k: v for k, v in bundle.items() if k in IMAGES and _base64(v)}
        for name, bundle in (attachments or {}).items()
    }
    renderer = IPythonRenderer(escape=True, allow_harmful_protocols=False, attachments=images)
    html = MarkdownWithMath(renderer=renderer).render(source)
    clean = bleach.clean(
        html,
        tags=TAGS,
        attributes=_allowed_attribute,
        protocols=LINK_SCHEMES | {"data"},  # data: only on images (_allowed_attribute)
        strip=True,
    )
    # One line: a markdown HTML block ends at a blank line, after which markdown would parse again.
    return '<div class="grader-inert">' + clean.replace("\r", "").replace("\n", "&#10;") + "</div>"


def released_texts(resources: dict) -> set[str]:
    """Markdown and raw text of the released notebook (the course's own); empty if unreadable."""
    try:
        folder = Path(resources["metadata"]["path"]).resolve()  # <root>/autograded/<student>/<assignment>
        name = f"{resources['metadata']['name']}.ipynb"
        release = nbformat.read(folder.parents[2] / "release" / folder.name / name, as_version=4)
    except (KeyError, IndexError, OSError, ValueError):
        return set()  # nothing is trusted: every text cell is made inert
    return {c.source for c in release.cells if c.cell_type in ("markdown", "raw")}


def _course_cell(cell: NotebookNode, released: set[str]) -> bool:
    nbgrader = cell.metadata.get("nbgrader", {})
    # OverwriteCells keeps grade_id only on cells it found in the gradebook, and restored locked ones.
    return (bool(nbgrader.get("locked")) and bool(nbgrader.get("grade_id"))) or cell.source in released


class SanitizeOutputs(NbGraderPreprocessor):
    """Outputs and student-written markdown made inert before anything renders them as HTML."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)  # widget state would load the widget manager's scripts
        self._released = released_texts(resources)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [_inert_output(output) for output in cell.get("outputs", [])]
        elif cell.cell_type in ("markdown", "raw") and not _course_cell(cell, self._released):
            if cell.cell_type == "raw":
                cell.metadata.pop("raw_mimetype", None)  # a raw cell is shown only with a mimetype
                cell.metadata.pop("format", None)
            else:
                cell.source = inert_markdown(cell.source, cell.get("attachments"))
        if "attachments" in cell:
            cell.attachments = {
                name: {k: v for k, v in bundle.items() if k in IMAGES and _base64(v)}
                for name, bundle in cell.attachments.items()
            }
        return cell, resources

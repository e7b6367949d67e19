"""A submission whose outputs and markdown try to run script in whoever opens its grading pages.

Feedback HTML is opened by TAs and the formgrader runs on the grading account's Jupyter server
with its API token: a script there acts with staff rights.  `SCRIPT_IN_OUTPUT` is the quiz's
solution (it must still earn 32/32) plus every way we know for an output or a markdown cell to
carry script into nbconvert's HTML.  Each payload, if it runs, adds its name to `window.pwned`
and puts `pwned` in the page title, so a browser test reads which ones ran.
"""

import nbformat

from grader.submissions import Variant

PAYLOADS = (  # what each one is, by the name it leaves in window.pwned
    "html_script",  # <script> in a text/html output
    "html_img_onerror",  # an event handler on a broken image, in text/html
    "html_svg_onload",  # inline SVG with onload, in text/html
    "svg_output",  # an image/svg+xml output with onload and a script inside
    "javascript_output",  # an application/javascript output (IPython.display.Javascript)
    "markdown_output",  # raw HTML in a text/markdown output
    "png_width",  # a string width in image metadata: nbconvert writes width= unquoted
    "markdown_cell_script",  # raw <script> in a markdown cell the student added
    "markdown_cell_onerror",  # raw <img onerror> in that cell
)


def mark(name: str) -> str:
    """JavaScript that records it ran; no spaces or quotes, so it survives an unquoted attribute."""
    return f"(window.pwned=window.pwned||[]).push(/{name}/.source);document.title=/pwned/.source"


CODE = f"""
from IPython.display import HTML, SVG, Javascript, Markdown, display

display(HTML("<b>styled answer</b><script>{mark("html_script")}</script>"))
display(HTML('<img src="nowhere.png" onerror="{mark("html_img_onerror")}">'))
display(HTML('<svg onload="{mark("html_svg_onload")}" width="10" height="10"></svg>'))
display(SVG(
    '<svg xmlns="http://www.w3.org/2000/svg" onload="{mark("svg_output")}" width="10" height="10">'
    '<script>{mark("svg_output")}</script></svg>'
))
display(Javascript("{mark("javascript_output")}"))
display(Markdown('<img src="nowhere.png" onerror="{mark("markdown_output")}">'))
# valid base64 that is not a PNG: the image fails to load, so an injected onerror fires
display(
    {{"image/png": "AAAA"}},
    raw=True,
    metadata={{"image/png": {{"width": "1 onerror={mark("png_width")}"}}}},
)
"""

MARKDOWN_CELL = (
    "My notes on the practice questions.\n\n"
    f"<script>{mark('markdown_cell_script')}</script>\n\n"
    f'<img src="nowhere.png" onerror="{mark("markdown_cell_onerror")}">\n'
)
LAST_ANSWER = "practice_answers"  # the quiz's last answer cell


def _add_markdown_cell(notebook):
    """A markdown cell of the student's own, right after the last answer cell."""
    cells = notebook.cells
    last = next(
        i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == LAST_ANSWER
    )
    cells.insert(last + 1, nbformat.v4.new_markdown_cell(MARKDOWN_CELL))
    return notebook


SCRIPT_IN_OUTPUT = Variant(
    "script_in_output",
    "every answer right, with outputs and a markdown cell that carry script into grading pages",
    append={LAST_ANSWER: CODE},
    transform=_add_markdown_cell,
)

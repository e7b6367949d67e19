"""The second line behind SanitizeOutputs: pages staff open refuse to run any script at all.

Feedback HTML and the class report carry a Content-Security-Policy as the first element of their
head, so even markup that got past sanitising (a bug, a notebook graded before it existed) cannot
run: no script of any kind (inline, `on*=` handlers, `javascript:` URLs, external files), no
plugins, frames, forms or network requests; only inline styles and `data:` images, which is all
these pages are made of.

What it costs: feedback pages no longer load MathJax from its CDN (nbgrader's template does), so
LaTeX in markdown shows as its TeX source; Jupyter widgets cannot render; bootstrap's icon fonts,
never shipped beside the page, stay missing.  A meta policy cannot set frame-ancestors or sandbox
(HTTP headers only); these pages are opened as files, where there are no headers to set.
"""

import re

from nbconvert.exporters import HTMLExporter

POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)
META = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def with_policy(page: str) -> str:
    """The page with the policy first in its head: a meta policy binds only what follows it."""
    head = _HEAD.search(page)
    if head is None:
        raise ValueError("page has no <head> to hold its Content-Security-Policy")
    return page[: head.end()] + META + page[head.end() :]


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page (template and settings unchanged), with the policy in its head.

    Used by generate_feedback through `c.GenerateFeedback.exporter_class`, so `grader feedback`
    and a plain `nbgrader generate_feedback` both write it.
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        page, resources = super().from_notebook_node(nb, resources, **kw)
        return with_policy(page), resources

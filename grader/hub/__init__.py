"""The course on a real JupyterHub: roster, Unix accounts, nbgrader's exchange, the formgrader service."""

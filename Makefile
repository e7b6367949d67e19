# Two entry points do all set-up on a fresh machine: `make demo` and `make test`.
# Offline machines: export CASE_STUDIES_MIRROR=/path/to/mirror (CI uses ../shared/mirror).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint notebooks-clean data benchmarks lab clean hub hub-stop hub-tour

$(STAMP): requirements.txt pyproject.toml
	./.ci/system-packages || echo "warning: could not install bubblewrap/postgresql/chromium; see README"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

data: $(STAMP)
	$(BIN)/grader prepare-data

# The demo trains briefly (CASE_STUDIES_QUICK=1, stated in every feedback) to finish in minutes.
# Its lab cells may run 600 s: two trainings side by side on a slow CPU need several minutes, and a
# cell cut short costs the solution its accuracy points (the quiz keeps its own 30 s per cell).
demo: $(STAMP)
	CASE_STUDIES_QUICK=$${CASE_STUDIES_QUICK:-1} CASE_STUDIES_CELL_TIMEOUT=$${CASE_STUDIES_CELL_TIMEOUT:-600} \
		$(BIN)/grader demo

# The course on a real JupyterHub (root: it creates a Unix account per person in the roster).
HUB_PORT ?= 8000
ROSTER ?= data/hub/demo_roster.csv
PROXY := .hub/node_modules/.bin/configurable-http-proxy
$(PROXY):
	npm install --silent --no-audit --no-fund --prefix .hub configurable-http-proxy@4.6.3

hub: data $(PROXY)
	$(BIN)/grader hub up --roster $(ROSTER) --port $(HUB_PORT)

hub-stop: $(STAMP)
	$(BIN)/grader hub down

# The README's illustrated tour: the browser test's screenshots, re-taken on a test hub of its own.
hub-tour: $(STAMP) $(PROXY)
	rm -rf docs/hub-tour
	HUB_SCREENSHOTS=docs/hub-tour $(BIN)/python -m pytest -m slow tests/test_hub.py
	$(BIN)/python -m grader.hub.tour docs/hub-tour README.md

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/grader check-notebooks

test: lint $(PROXY)
	$(BIN)/python -m pytest

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/resnets_autograde.py
	$(BIN)/python benchmarks/transfer_learning_autograde.py
	$(BIN)/python benchmarks/resnets_recipes.py --epochs 5 --seeds 1 2 3 --recipe lab
	$(BIN)/python benchmarks/transfer_recipes.py --seeds 1 2 3 --recipe lab --recipe "8 epochs at 1e-4"
	$(BIN)/python benchmarks/keras_tracing.py
	$(BIN)/python benchmarks/parallel_vs_stock.py
	$(BIN)/python benchmarks/cluster_throughput.py
	$(BIN)/python benchmarks/side_by_side.py
	$(BIN)/python benchmarks/sandbox_overhead.py

lab: data
	cd assignments && ../$(BIN)/jupyter lab

clean:
	rm -rf assignments/release assignments/submitted assignments/autograded assignments/feedback assignments/gradebook.db reports

# civicnlp — every target sets itself up first; `make report` and `make test` are the two commands a newcomer needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-stamp
KERNEL := civicnlp
CAMPAIGN ?= incheon-danggeun-apec-2024
PYTEST_ARGS ?=

# The public corpora: ../shared/datasets beside a checkout, unless the caller set CIVICNLP_DATA_HOME.
ifneq ($(wildcard ../shared/datasets),)
export CIVICNLP_DATA_HOME ?= $(abspath ../shared/datasets)
endif

.PHONY: setup report test lint lab doctor models bench sample clean

setup: $(STAMP) ## create .venv, install civicnlp with its test extras, register the Jupyter kernel

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "civicnlp (.venv)" > /dev/null
	@touch $(STAMP)

report: setup ## the sample campaign's reaction report, under reports/
	$(VENV)/bin/civicnlp report --campaign $(CAMPAIGN)

lint: setup ## ruff (lint + format) and mypy
	$(VENV)/bin/ruff check civicnlp tests benchmarks notebooks
	$(VENV)/bin/ruff format --check civicnlp tests benchmarks notebooks
	$(VENV)/bin/mypy

test: lint ## lint, types, then the whole test suite
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Jupyter refuses to start as root unless told; containers and CI machines often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup ## JupyterLab on the project's kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

doctor: setup ## check Java, taggers, kernel, fonts, data home
	$(VENV)/bin/civicnlp doctor

models: setup ## retrain every shipped model from the corpora in the data home
	for m in $$($(PY) -c "from civicnlp.labels import MODEL_NAMES; print(*MODEL_NAMES)"); do \
		$(VENV)/bin/civicnlp train $$m || exit 1; done

bench: setup ## benchmarks (print figures; not part of the tests)
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

sample: setup ## regenerate data/sample from the phrase bank (byte-identical)
	$(VENV)/bin/civicnlp sample

clean: ## remove the environment and caches (not reports/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

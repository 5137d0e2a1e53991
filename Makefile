# Front door. `make run` sets up .venv and runs the main job on the bundled synthetic sample data;
# `make test` runs the tests (what CI runs through .ci/run); `make lab` opens JupyterLab on notebooks/.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup run test lab sample bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(BIN)/.installed

run: setup
	$(BIN)/junyun run

# the suite in one process per core (pytest-xdist): CI stays under 15 minutes on 2 cores
test: setup
	$(BIN)/python -m pytest -n auto

lab: setup
	$(BIN)/jupyter lab notebooks/

sample: setup
	$(BIN)/junyun sample

bench: setup
	$(BIN)/python benchmarks/bench_national.py

clean:
	rm -rf data/processed/*/ outputs/*/ outputs/*.json outputs/*.xlsx

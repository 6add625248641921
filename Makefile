# The two commands of the README: `make run` and `make test`. Both create .venv when it is
# missing or older than pyproject.toml and install the project into it first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint test-packaging bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ganstudio

lint: $(STAMP)
	$(VENV)/bin/ruff check ganstudio tests bench packaging
	$(VENV)/bin/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not packaging" -q

# Builds the PyInstaller bundle and runs its self-test (several minutes, several GB).
test-packaging: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,packaging]"
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m packaging -q

bench: $(STAMP)
	$(PY) bench/train_throughput.py

clean:
	rm -rf $(VENV) build dist .pytest_cache

# The two commands of the README: `make run` and `make test`. Both create .venv when it is
# missing or older than pyproject.toml and install the project into it first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# TORCH=cpu (`make run TORCH=cpu`, `make test TORCH=cpu`) first installs torch and torchvision
# from PyTorch's CPU-only index, with the version bounds pyproject.toml gives them: no CUDA
# libraries, a far smaller .venv. Unset, pip installs its default build (CUDA on Linux).
# A .venv that already holds the CUDA build keeps its CUDA libraries: `make clean` first.
TORCH ?=
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
TORCH_REQS = $(shell grep -oE '"torch(vision)?[<>=!~,. 0-9]+"' pyproject.toml)
ifeq ($(TORCH),cpu)
TORCH_STAMP := $(VENV)/.torch-cpu
else ifneq ($(TORCH),)
$(error TORCH=$(TORCH) is not known: use TORCH=cpu, or leave it unset for the default build)
endif

.PHONY: run test lint test-packaging bench clean

$(VENV)/.torch-cpu: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --upgrade --index-url $(TORCH_CPU_INDEX) $(TORCH_REQS)
	@touch $@

$(STAMP): pyproject.toml $(TORCH_STAMP)
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

# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make demo   - set up .venv and run the main job (the demo)
#   make test   - install the Debian packages the tests need (tools/install-test-deps.sh:
#                 compilers, cross compilers, QEMU; root or sudo), set up .venv (with test
#                 and training extras) and run every test, a missing tool being a failure
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test deps deps-demo venv venv-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

$(VENV)/.core: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install -c constraints.txt -e .
	touch $@

$(VENV)/.full: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install -c constraints.txt -e ".[test,train]"
	touch $@ $(VENV)/.core

venv: $(VENV)/.core
venv-test: $(VENV)/.full

# The letter demo (a button per letter), then continuous writing (no button: the glove spots
# the letters and decodes the words; streamed as fast as possible to stay short).
DEMO_CONTINUOUS_ARGS ?= --text "hello world" --fast
demo: deps-demo
	$(MAKE) venv
	$(BIN)/glovexfer demo $(DEMO_ARGS)
	$(BIN)/glovexfer demo --continuous $(DEMO_CONTINUOUS_ARGS)

# The demo builds the host-native firmware: cmake and a C++ compiler (and python3-venv).
deps-demo:
	PYTHON=$(PYTHON) bash tools/install-test-deps.sh --demo

# Debian packages first: creating the venv may need python3-venv.
deps:
	PYTHON=$(PYTHON) bash tools/install-test-deps.sh

test: deps
	$(MAKE) venv-test
	GLOVEXFER_REQUIRE_TOOLS=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build out .pytest_cache .hypothesis

# Two commands for a fresh machine: `make demo` (the daily pipeline on the offline demo site)
# and `make test`. Each creates the virtual environment and installs on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: install
	$(BIN)/rightsradar run --demo --db demo.db

test: install
	$(BIN)/python -m pytest -ra

clean:
	rm -rf $(VENV) work demo.db demo.db-wal demo.db-shm

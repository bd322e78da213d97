"""Embed text with an ONNX export of the sentence-transformers model, without torch.

Importing torch / transformers / sentence-transformers costs 7-12 s, which would dominate every CLI
query. So the index build (where torch is loaded anyway) exports the transformer once with
`export_onnx`, and the query path runs that export with onnxruntime + `tokenizers`, redoing the
cheap parts of SentenceTransformer.encode (tokenize, pool, normalise) in numpy.
Only numpy, onnxruntime and tokenizers may be imported at module level here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from rag.embed.batching import length_buckets
from rag.errors import IndexIncompatible, RagError
from rag.util import fsync_dir

FORMAT_VERSION = 1
MODEL_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "onnx_config.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "token_embeddings"


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


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


def read_config(onnx_dir: Path) -> dict[str, Any]:
    """Load onnx_config.json, refusing exports this code cannot run identically."""
    try:
        cfg: dict[str, Any] = _read_json(Path(onnx_dir) / CONFIG_FILE)
        if cfg.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"format {cfg.get('format_version')}, expected {FORMAT_VERSION}")
    except (OSError, ValueError) as exc:
        raise IndexIncompatible(f"no usable ONNX export at {onnx_dir} ({exc}); rebuild the index") from exc
    return cfg


class OnnxEncoder:
    """SentenceTransformer.encode, reproduced with onnxruntime + tokenizers (no torch import)."""

    def __init__(self, onnx_dir: Path, threads: int | None = None, *, quantized: bool = False,
                 spin: bool = True) -> None:
        self.onnx_dir = Path(onnx_dir)
        self.config = read_config(self.onnx_dir)
        model_file = self.config.get("int8_file") if quantized else MODEL_FILE
        if not model_file:
            raise IndexIncompatible("this index has no int8 ONNX model; rebuild it with quantization")
        self._tok_path = str(self.onnx_dir / TOKENIZER_FILE)
        self._tokenizer = Tokenizer.from_file(self._tok_path)
        # tokenizer.json may carry its own fixed padding/truncation (this one pads to 128): override.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._counter: Tokenizer | None = None
        opts = ort.SessionOptions()
        # CPUs this process may use (affinity-aware), not the host's count: avoids oversubscription.
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        opts.intra_op_num_threads = threads or cpus or 1
        opts.inter_op_num_threads = 1  # sequential graph (ORT default); parallelism is inside each op
        opts.log_severity_level = 3
        if not spin:  # queries: idle threads sleep instead of spinning (a busy machine's tail latency)
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        path = str(self.onnx_dir / model_file)
        self._session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]

    @property
    def dim(self) -> int:
        return int(self.config["dimension"])

    @property
    def max_seq_length(self) -> int:
        return int(self.config["max_seq_length"])

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        if isinstance(texts, str):  # a bare str is a Sequence[str]: it would embed char by char
            raise TypeError("encode()/count_tokens() take a sequence of strings, not a str")
        out = [str(t) for t in texts]
        return [t.lower() for t in out] if self.config.get("do_lower_case") else out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text incl. special tokens, untruncated: what the chunker sizes against."""
        if self._counter is None:
            self._counter = Tokenizer.from_file(self._tok_path)
            self._counter.no_padding()
            self._counter.no_truncation()
        return [len(e.ids) for e in self._counter.encode_batch(self._prepare(texts))]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Return float32 (n, dim) embeddings in input order, pooled/normalised as the source model."""
        items = self._prepare(texts)
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        ids = [e.ids for e in self._tokenizer.encode_batch(items)]
        for idx in length_buckets([len(x) for x in ids], max(1, batch_size)):
            out[idx] = self._run([ids[i] for i in idx])
        return out

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        width = max(len(x) for x in batch)
        input_ids = np.full((len(batch), width), self.config.get("pad_id", 0), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, x in enumerate(batch):
            input_ids[row, :len(x)] = x
            mask[row, :len(x)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}
        hidden = self._session.run([OUTPUT_NAME], {n: feed[n] for n in self._inputs})[0]
        if self.config["pooling"] == "cls":
            pooled = hidden[:, 0]
        else:  # mean over real tokens only, as ST's Pooling does (clamp 1e-9 guards empty rows)
            m = mask.astype(np.float32)
            pooled = np.einsum("bld,bl->bd", hidden, m) / np.clip(m.sum(axis=1, keepdims=True), 1e-9, None)
        if self.config["normalize"]:
            pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled.astype(np.float32, copy=False)

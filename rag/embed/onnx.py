"""Embed text with an ONNX export of the sentence-transformers model, without torch.

Importing torch / transformers / sentence-transformers costs 7-12 s, which would dominate every CLI
query. So the index build (where torch is loaded anyway) exports the transformer once with
`export_onnx`, and the query path runs that export with onnxruntime + `tokenizers`, redoing the
cheap parts of SentenceTransformer.encode (tokenize, pool, normalise) in numpy.
Only numpy, onnxruntime and tokenizers may be imported at module level here.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from rag.embed.batching import TOKEN_BUDGET, length_buckets, width_buckets
from rag.errors import IndexIncompatible

FORMAT_VERSION = 1
MODEL_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "onnx_config.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "token_embeddings"


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_config(onnx_dir: Path) -> dict[str, Any]:
    """Load onnx_config.json, refusing exports this code cannot run identically."""
    try:
        cfg: dict[str, Any] = _read_json(Path(onnx_dir) / CONFIG_FILE)
        if cfg.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"format {cfg.get('format_version')}, expected {FORMAT_VERSION}")
    except (OSError, ValueError) as exc:
        raise IndexIncompatible(f"no usable ONNX export at {onnx_dir} ({exc}); rebuild the index") from exc
    return cfg


class TokenEncoder:
    """SentenceTransformer.encode around any runtime's forward pass: tokenize with ``tokenizers``,
    batch by length, pool and normalise in numpy. Subclasses open a session and run ``_forward``
    (or, to overlap calls, override ``_run_all``: OpenVINO's streams)."""

    per_text = False  # one text per call (int8: activation scales per call)
    fixed_widths = False  # pad each text to its ``padded_width`` (bf16: results depend on the width)
    token_budget = TOKEN_BUDGET  # padded tokens per call of fixed widths
    threads = 1
    _pool: ThreadPoolExecutor | None = None

    def _open(self, onnx_dir: Path) -> None:
        self.onnx_dir = Path(onnx_dir)
        self.config = read_config(self.onnx_dir)
        self._tok_path = str(self.onnx_dir / TOKENIZER_FILE)
        self._tokenizer = Tokenizer.from_file(self._tok_path)
        # tokenizer.json may carry its own fixed padding/truncation (this one pads to 128): override.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._counter: Tokenizer | None = None
        self._pool_lock = threading.Lock()

    def _forward(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        """(batch, tokens, dim) token embeddings for the padded ``feed``."""
        raise NotImplementedError

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
        if self.per_text:
            order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))  # long ones first: even load
            if self.threads > 1 and len(ids) > 1:
                with self._pool_lock:
                    if self._pool is None:
                        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="rag-embed")
                rows = list(self._pool.map(lambda i: self._run([ids[i]]), order))
            else:
                rows = [self._run([ids[i]]) for i in order]
            out[order] = np.concatenate(rows)
            return out
        lengths = [len(x) for x in ids]
        if self.fixed_widths:  # and few numbers of rows (a batch's tail is filled with copies up to
            # a power of two): the runtime keeps state per input shape, ~90 MB at 10,000 articles
            most = max(1, batch_size)
            jobs = []
            for idx, width in width_buckets(lengths, most, self.token_budget):
                batch = [ids[i] for i in idx]
                height = min(most, max(1, self.token_budget // width), 1 << (len(batch) - 1).bit_length())
                jobs.append((idx, batch + [batch[0]] * (height - len(batch)), width))
            self._run_all(jobs, out)
            return out
        for idx in length_buckets(lengths, max(1, batch_size)):
            out[idx] = self._run([ids[i] for i in idx])
        return out

    def _run_all(self, jobs: Sequence[tuple[list[int], list[list[int]], int]], out: np.ndarray) -> None:
        """Each job's vectors into its rows of ``out``: (rows, padded batch, width), one call after
        another (a runtime that overlaps calls overrides this)."""
        for idx, batch, width in jobs:
            out[idx] = self._run(batch, width)[:len(idx)]

    def _run(self, batch: list[list[int]], width: int = 0) -> np.ndarray:
        feed, mask = self._feed(batch, width)
        return self._pooled(self._forward(feed), mask)

    def _feed(self, batch: list[list[int]], width: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The model's inputs for ``batch`` padded to ``width`` (at least its longest), and the mask."""
        width = max(width, *(len(x) for x in batch))
        input_ids = np.full((len(batch), width), self.config.get("pad_id", 0), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, x in enumerate(batch):
            input_ids[row, :len(x)] = x
            mask[row, :len(x)] = 1
        return {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}, mask

    def _pooled(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.config["pooling"] == "cls":
            pooled = hidden[:, 0]
        else:  # mean over real tokens only, as ST's Pooling does (clamp 1e-9 guards empty rows)
            m = mask.astype(np.float32)
            pooled = np.einsum("bld,bl->bd", hidden, m) / np.clip(m.sum(axis=1, keepdims=True), 1e-9, None)
        if self.config["normalize"]:
            pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled.astype(np.float32, copy=False)


class OnnxEncoder(TokenEncoder):
    """SentenceTransformer.encode, reproduced with onnxruntime + tokenizers (no torch import).

    The int8 model quantizes activations with one scale per call (dynamic quantization), so a
    text batched with others would get a vector that depends on its batch-mates: an incremental
    build would then differ from a full one. It therefore embeds each text in a call of its own,
    ``threads`` calls at a time on one-thread sessions (no padding either); on this machine that
    is 2.1x the fp32 batched speed, and vectors are identical for any batching or thread count.
    """

    def __init__(self, onnx_dir: Path, threads: int | None = None, *, quantized: bool = False,
                 spin: bool = True) -> None:
        self._open(onnx_dir)
        model_file = self.config.get("int8_file") if quantized else MODEL_FILE
        if not model_file:
            raise IndexIncompatible("this index has no int8 ONNX model; rebuild it with quantization")
        opts = ort.SessionOptions()
        self.threads = threads or available_cpus()
        self.per_text = quantized
        opts.intra_op_num_threads = 1 if quantized else self.threads
        opts.inter_op_num_threads = 1  # sequential graph (ORT default); parallelism is inside each op
        opts.log_severity_level = 3
        if not spin:  # queries: idle threads sleep instead of spinning (a busy machine's tail latency)
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        path = str(self.onnx_dir / model_file)
        self._session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]

    def _forward(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        out: np.ndarray = self._session.run([OUTPUT_NAME], {n: feed[n] for n in self._inputs})[0]
        return out


def available_cpus() -> int:
    """CPUs this process may use (affinity-aware), not the host's count: avoids oversubscription."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cpus or 1

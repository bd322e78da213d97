"""The bf16 build encoder: fp32's vectors (to ~1e-5), and each text's vector independent of what
it is embedded with, so an incremental build equals a full one exactly."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.embed import build_encoder, resolve
from rag.embed.batching import padded_width, width_buckets
from rag.embed.onnx import OnnxEncoder
from tests.embed.test_onnx import varied_texts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def export(models_cache: Path) -> Path:
    return models_cache / resolve(Settings.load().index.model).key


def test_bf16_vectors_are_the_fp32_vectors(export: Path) -> None:
    texts = varied_texts()
    bf16 = build_encoder(export, "bf16").encode(texts)
    fp32 = OnnxEncoder(export).encode(texts)
    cos = np.sum(bf16 * fp32, axis=1)
    print(f"\nbf16 vs fp32: min cosine {cos.min():.6f}, mean {cos.mean():.6f}")
    assert cos.min() > 0.9995 and cos.mean() > 0.9999


def test_a_vector_does_not_depend_on_batch_order_or_threads(export: Path) -> None:
    """Also not on streams: two threads run two calls at once, one thread one call at a time."""
    texts = varied_texts()
    two = build_encoder(export, "bf16", threads=2)
    assert getattr(two, "streams", 0) == 2
    full = two.encode(texts)
    pick = random.Random(7).sample(range(len(texts)), len(texts) // 3)
    np.testing.assert_array_equal(two.encode([texts[i] for i in pick]), full[pick])
    np.testing.assert_array_equal(build_encoder(export, "bf16", threads=1).encode(texts[::-1])[::-1], full)
    for i in pick[:10]:
        np.testing.assert_array_equal(two.encode([texts[i]])[0], full[i])


def test_each_length_has_one_padded_width() -> None:
    assert [padded_width(n) for n in (1, 8, 9, 64, 65, 80, 128, 129, 256)] == [8, 8, 16, 64, 80, 80, 128, 160, 256]
    lengths = [5, 70, 9, 250, 66, 12, 8]
    batches = width_buckets(lengths, batch_size=2)
    assert sorted(i for idx, _ in batches for i in idx) == list(range(len(lengths)))
    for idx, width in batches:
        assert len(idx) <= 2 and all(padded_width(lengths[i]) == width for i in idx)

"""How texts are grouped into model calls."""

from __future__ import annotations

from collections.abc import Sequence

BUCKET_KEEP = 0.75  # a batch's shortest text has at least this share of its longest one's tokens
TOKEN_BUDGET = 1024  # padded tokens per model call: memory grows with batch x length (attention
# with length squared); 64 texts of ~220 tokens peaked at +900 MB RSS, 16 of them at +300 MB. At
# 1,024 rather than 2,048 OpenVINO's bf16 model holds ~20 MB less, at the same speed (fp32: 406
# instead of 376 sentences/s)


def length_buckets(lengths: Sequence[int], batch_size: int, keep: float = BUCKET_KEEP,
                   max_tokens: int = TOKEN_BUDGET) -> list[list[int]]:
    """Indices longest first, cut into batches of at most ``batch_size`` texts and ``max_tokens``
    padded tokens whose shortest text is at least ``keep`` of the longest: padding is compute
    thrown away (a plain cut every 64 of 40 sentences of 5-100 tokens took twice as long), and
    the token budget bounds the memory of one call. Results do not depend on the batching."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if (not batches or len(batches[-1]) >= batch_size or lengths[i] < keep * lengths[batches[-1][0]]
                or (len(batches[-1]) + 1) * lengths[batches[-1][0]] > max_tokens):
            batches.append([])
        batches[-1].append(i)
    return batches


def padded_width(tokens: int) -> int:
    """The one width a text of ``tokens`` word pieces is always padded to (multiples of 8 up to
    64, of 16 up to 128, then of 32). A bf16 runtime's result for a row depends on the padded
    width (not on the batch-mates): a fixed width per length keeps every vector reproducible."""
    step = 8 if tokens <= 64 else 16 if tokens <= 128 else 32
    return -(-tokens // step) * step


def width_buckets(lengths: Sequence[int], batch_size: int,
                  max_tokens: int = TOKEN_BUDGET) -> list[tuple[list[int], int]]:
    """Indices longest first in batches of one ``padded_width`` each, at most ``batch_size``
    texts and ``max_tokens`` padded tokens (at least one text) per batch."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[tuple[list[int], int]] = []
    for i in order:
        w = padded_width(lengths[i])
        if (not batches or batches[-1][1] != w or len(batches[-1][0]) >= batch_size
                or (len(batches[-1][0]) + 1) * w > max_tokens):
            batches.append(([], w))
        batches[-1][0].append(i)
    return batches

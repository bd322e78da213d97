"""Length buckets: every index once, longest first, bounded size and padding."""

from __future__ import annotations

import random

from rag.embed.batching import length_buckets


def test_buckets_cover_everything_once_with_little_padding() -> None:
    rng = random.Random(0)
    lengths = [rng.randint(3, 120) for _ in range(500)]
    batches = length_buckets(lengths, 64, keep=0.75)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(500))
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    for b in batches:
        assert 1 <= len(b) <= 64
        assert min(lengths[i] for i in b) >= 0.75 * max(lengths[i] for i in b)
    assert length_buckets([], 8) == []
    assert length_buckets([10] * 20, 8) == [list(range(8)), list(range(8, 16)), list(range(16, 20))]


def test_token_budget_bounds_each_call() -> None:
    lengths = [256] * 40 + [100] * 40 + [20] * 200
    batches = length_buckets(lengths, 64, max_tokens=2048)
    assert sorted(i for b in batches for i in b) == list(range(280))
    for b in batches:
        assert len(b) * max(lengths[i] for i in b) <= 2048 or len(b) == 1
    assert max(len(b) for b in batches) == 64  # short texts still go 64 at a time
    assert length_buckets([5000], 64, max_tokens=2048) == [[0]]  # one over-long text still runs

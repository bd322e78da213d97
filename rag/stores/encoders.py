"""The two encoders every snapshot offers, loaded on first use (one place for the precision rule)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from rag.config import Settings
from rag.embed import Encoder, ModelInfo, load_encoder, load_reader
from rag.stores.base import Manifest


class SnapshotEncoders:
    """``encoder`` at the precision the manifest records (the dense search), ``reader`` always
    full precision (sentences); a snapshot class sets ``settings``, ``model`` and ``manifest``."""

    settings: Settings
    model: ModelInfo
    manifest: dict[str, Any]

    @cached_property
    def encoder(self) -> Encoder:
        s = self.settings
        return load_encoder(s.paths.index_dir, self.model, s.index.threads, Manifest(self.manifest).int8)

    @cached_property
    def reader(self) -> Encoder:
        s = self.settings
        return load_reader(s.paths.index_dir, self.model, s.index.threads, Manifest(self.manifest).int8, self.encoder)

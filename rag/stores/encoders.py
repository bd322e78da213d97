"""The two encoders every snapshot offers, loaded on first use (one place for the precision rule)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from functools import cached_property
from typing import Any

from rag.config import Settings
from rag.embed import Encoder, ModelInfo, load_encoder, load_reader
from rag.stores.base import Manifest

_PREFETCH = threading.Lock()


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
        if not Manifest(self.manifest).int8:
            return self.encoder  # full precision already: the same sessions
        loading: Future[Encoder] | None = self.__dict__.get("_reader_loading")
        if loading is not None:
            return loading.result()  # raises the loading thread's error, if it failed
        return self._load_reader()

    def prefetch_reader(self) -> None:
        """Open the reader on a thread, so that a cold query creates its session (an 86 MB model,
        ~80 ms) while the question is embedded and searched; ``reader`` waits for it."""
        if not Manifest(self.manifest).int8:
            return
        with _PREFETCH:
            if "reader" in self.__dict__ or "_reader_loading" in self.__dict__:
                return
            loading: Future[Encoder] = Future()
            self.__dict__["_reader_loading"] = loading

        def load() -> None:
            try:
                loading.set_result(self._load_reader())
            except BaseException as exc:
                loading.set_exception(exc)

        threading.Thread(target=load, name="rag-reader-load", daemon=True).start()

    def _load_reader(self) -> Encoder:
        s = self.settings
        return load_reader(s.paths.index_dir, self.model, s.index.threads)

"""The store contract against the embedded FAISS store (generation folders)."""

from __future__ import annotations

from tests.stores.contract import StoreContract


class TestFaissStore(StoreContract):
    STORE = "faiss"

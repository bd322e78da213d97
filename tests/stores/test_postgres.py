"""The store contract against PostgreSQL + pgvector (a real server; skipped, saying why, when
pgserver cannot start one)."""

from __future__ import annotations

from tests.stores.contract import StoreContract


class TestPostgresStore(StoreContract):
    STORE = "postgres"

"""PostgreSQL + pgvector store (the `postgres` extra): the same records in tables."""

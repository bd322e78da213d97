"""The PostgreSQL + pgvector store: the same index as ``FaissStore``, in tables shared by replicas.

A commit is one transaction. Documents are versioned by generation (``born``/``dead``): a commit
adds the new and changed documents (born now), marks the removed and replaced ones dead, bumps
``rag_meta.generation`` and drops what died two generations ago. So readers that are still on the
previous generation keep seeing exactly it, a replica notices the new generation with one tiny
query, and a writer killed at any moment leaves only whole commits (PostgreSQL rolls back the
rest). Unchanged documents are never rewritten: an update costs what changed.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.config import IndexConfig, Settings
from rag.embed import ModelInfo
from rag.errors import IndexMissing, RagError
from rag.index.texts import vector_key
from rag.records import Chunk, Source, source_file
from rag.search.bm25 import analyze
from rag.stores.base import FORMAT_VERSION, BuildResult, Previous, StoreStatus, source_row
from rag.stores.postgres import db as pg_db
from rag.stores.postgres.snapshot import PgSnapshot
from rag.stores.postgres.status import has_index, pg_files, pg_state
from rag.stores.vectorfile import StoredRows, VectorFile
from rag.util import sha256_text

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})  # COPY text format
BULK_MIN = 2000  # chunks: a load this big into an empty table builds its indexes afterwards


class PostgresStore:
    keeps_sentences = False  # the answer stage embeds the few sentences it reads at query time

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = pg_db.database_url(settings.storage)
        self._seen: int | None = None  # generation that previous() read, for the conflict check
        self._pool: pg_db.Pool | None = None  # for reading, opened by the first snapshot

    # ---- reading the live generation (status: rag.stores.postgres.status) ---------------------
    def exists(self) -> bool:
        return has_index(self.settings.storage)

    def files(self) -> dict[str, str]:
        return pg_files(self.settings.storage)

    def status(self) -> StoreStatus:
        generation, manifest, files, docs = pg_state(self.settings.storage)
        return StoreStatus(generation, manifest, files, docs, [], "kept by PostgreSQL (no index files)")

    @property
    def pool(self) -> pg_db.Pool:
        if self._pool is None:
            self._pool = pg_db.Pool(self.url)
        return self._pool

    def generation(self) -> str:
        return f"pg-{int(self.pool.run(pg_db.read_meta_generation))}"

    def open(self) -> PgSnapshot:
        return PgSnapshot(self.settings, self.pool)

    # ---- reading back for an incremental build ----------------------------------------------
    def previous(self, model: ModelInfo, vectors: bool = True) -> Previous | None:
        import psycopg

        conn = pg_db.connect(self.url)
        try:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.transaction():  # one consistent view of meta, documents and vectors
                try:
                    meta = pg_db.read_meta(conn, writer=True)
                except IndexMissing:
                    return None
                self._seen = int(meta["generation"])
                m = meta["manifest"]
                if not compatible(m, model, self.settings.index) or not self._seen:
                    return None
                return self._load_previous(conn, vectors, int(meta["dim"]))
        finally:
            conn.close()

    def _load_previous(self, conn: Any, vectors: bool, dim: int) -> Previous:
        files = dict(conn.execute("SELECT path, hash FROM rag_files").fetchall())
        rows = conn.execute(
            "SELECT path, text, content_hash, format, title, author, date, outlet, spans, extracted, "
            f'{pg_db.news_columns(conn)} FROM rag_documents WHERE dead IS NULL ORDER BY path COLLATE "C"').fetchall()
        sources = [source_row(r, r[8]) for r in rows]
        n = int(conn.execute("SELECT COUNT(*) FROM rag_chunks t JOIN rag_documents d ON d.id = t.doc_id "
                             "WHERE d.dead IS NULL").fetchone()[0])
        if not vectors or not n:
            return Previous(files, sources, {}, len(sources), n)
        # The live vectors go to an unlinked temp file read back by row (StoredRows), not into a
        # dict: 176k of them held in memory were +300 MB for an incremental build. It lives in the
        # index folder, like the build's own vectors and term spool (the system temp folder may be
        # memory: tmpfs).
        fd, tmp = tempfile.mkstemp(prefix=".tmp-previous-", suffix=".npy", dir=self.settings.paths.index_dir)
        os.close(fd)
        try:
            stored = VectorFile(Path(tmp), n, dim)
        finally:
            os.unlink(tmp)  # the open handle keeps the data until the build lets go of it
        keys: dict[str, int] = {}
        cur = conn.cursor(binary=True)
        cur.execute("SELECT t.key, t.embedding FROM rag_chunks t JOIN rag_documents d ON d.id = t.doc_id "
                    "WHERE d.dead IS NULL")
        for key, vec in cur:
            if key not in keys:
                keys[key] = len(keys)
                stored[keys[key]] = vec
        return Previous(files, sources, StoredRows(keys, stored), len(sources), n)

    # ---- making a new state live ------------------------------------------------------------
    def stage(self, texts: Sequence[str], folder: Path) -> None:
        pass  # the keyword postings are written with the chunks (spooled to disk)

    def commit(self, result: BuildResult) -> str:
        conn = pg_db.connect(self.url)
        try:
            pg_db.ensure_schema(conn, result.model.dim)
            with conn.transaction():
                gen, inserted = self._commit(conn, result)
            if inserted >= BULK_MIN:  # planner statistics; the visibility map for index-only scans
                conn.execute("VACUUM (ANALYZE) rag_documents, rag_chunks, rag_terms")
            return f"pg-{gen}"
        finally:
            conn.close()

    def _commit(self, conn: Any, result: BuildResult) -> tuple[int, int]:
        """(the new generation, chunks inserted)."""
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (pg_db.LOCK_KEY,))
        now = conn.execute("SELECT generation FROM rag_meta FOR UPDATE").fetchone()[0]
        gen = int(now) + 1
        per_doc = _chunks_by_doc(result)
        prints = {s.path: fingerprint(s, result, per_doc.get(s.path, [])) for s in result.sources}
        live = {p: (i, fp) for i, p, fp in conn.execute(
            "SELECT id, path, fingerprint FROM rag_documents WHERE dead IS NULL").fetchall()}
        if self._seen is not None and int(now) != self._seen:
            if {p: fp for p, (_, fp) in live.items()} == prints:
                return int(now), 0  # another writer already made exactly this state live
            raise RagError("another writer changed the index while this build ran: run it again")
        kept = {p for p, (_, fp) in live.items() if prints.get(p) == fp}
        retire = [i for p, (i, _) in live.items() if p not in kept]
        _purge(conn, gen)
        if retire:
            conn.execute("UPDATE rag_documents SET dead = %s WHERE id = ANY(%s)", (gen, retire))
        new = [s for s in result.sources if s.path not in kept]
        n_new = sum(len(per_doc.get(s.path, [])) for s in new)
        bulk = not kept and n_new >= BULK_MIN and _empty(conn)
        if bulk:  # building an index once beats growing it row by row (pgvector's advice)
            _drop_indexes(conn)
        else:
            _ensure_indexes(conn)
        _insert(conn, result, new, per_doc, prints, gen, self.settings.paths.index_dir)
        if bulk:
            conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
            _ensure_indexes(conn)
        _write_files(conn, result.files)
        conn.execute("UPDATE rag_meta SET generation = %s, manifest = %s, committed_at = now()",
                     (gen, _json(manifest(result, self.settings.index, len(kept)))))
        return gen, n_new


def compatible(m: dict[str, Any], model: ModelInfo, config: IndexConfig) -> bool:
    """Same weights, dimensions and chunking: otherwise nothing can be reused."""
    built = m.get("model", {})
    return (str(built.get("id", "")).split("@")[-1] == model.id.split("@")[-1]
            and built.get("dim") == model.dim and m.get("chunking") == config.chunking())


def fingerprint(src: Source, result: BuildResult, rows: list[int]) -> str:
    """Everything a document's rows are made of: equal prints mean the rows can stay as they are."""
    md = src.metadata
    parts = [result.model.id, src.content_hash, src.format, md.title, md.author, md.date, md.outlet,
             md.url, md.date_source,
             src.extracted, [result.chunks[i].chunk_id for i in rows],
             [vector_key(result.texts[i]) for i in rows]]
    return sha256_text(json.dumps(parts))


def manifest(result: BuildResult, config: IndexConfig, kept: int) -> dict[str, Any]:
    m = result.model
    return {"format_version": FORMAT_VERSION, "store": "postgres",
            "model": {"id": m.id, "dim": m.dim, "max_seq_length": m.max_seq_length, "export": result.export},
            "chunking": config.chunking(), "ann": "hnsw",
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "counts": {"documents": len(result.sources), "chunks": len(result.chunks),
                       "files": len(result.files), "kept_documents": kept},
            **result.manifest}


def _chunks_by_doc(result: BuildResult) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, c in enumerate(result.chunks):
        out.setdefault(c.path, []).append(i)
    return out


def _empty(conn: Any) -> bool:
    return conn.execute("SELECT NOT EXISTS (SELECT 1 FROM rag_chunks)").fetchone()[0]


def _ensure_indexes(conn: Any) -> None:
    for ddl in (pg_db.HNSW_INDEX, *pg_db.TERMS_INDEXES):
        conn.execute(ddl)


def _drop_indexes(conn: Any) -> None:
    """This schema's search indexes (qualified: never another schema's of the search path)."""
    from psycopg import sql

    schema = conn.execute("SELECT current_schema()").fetchone()[0]
    names = [sql.Identifier(schema, n) for n in ("rag_chunks_hnsw", "rag_terms_term", "rag_terms_doc")]
    conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.SQL(", ").join(names)))


def _purge(conn: Any, gen: int) -> None:
    """Drop documents that neither this generation nor the previous one (which readers may still
    be on while this commit lands: ``KEEP_OLD`` of the FAISS store) can see."""
    dead = [r[0] for r in conn.execute("SELECT id FROM rag_documents WHERE dead < %s", (gen,))]
    if dead:
        for table in ("rag_terms", "rag_chunks"):
            conn.execute(f"DELETE FROM {table} WHERE doc_id = ANY(%s)", (dead,))
        conn.execute("DELETE FROM rag_documents WHERE id = ANY(%s)", (dead,))


def _reserve(conn: Any, n: int) -> int:
    """First of ``n`` consecutive ids (the advisory lock makes this writer the only taker)."""
    if n <= 0:
        return 0
    first = int(conn.execute("SELECT nextval('rag_ids')").fetchone()[0])
    if n > 1:
        conn.execute("SELECT setval('rag_ids', %s)", (first + n - 1,))
    return first


def _insert(conn: Any, result: BuildResult, new: list[Source], per_doc: dict[str, list[int]],
            prints: dict[str, str], gen: int, spool_dir: Path) -> None:
    from psycopg.types.json import Jsonb

    doc_ids = dict(zip([s.path for s in new], range(_reserve(conn, len(new)), 10**18), strict=False))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO rag_documents (id, path, file, content_hash, fingerprint, format, title, author, "
            "date, outlet, text, spans, extracted, born, url, date_source) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            ((doc_ids[s.path], s.path, source_file(s.path), s.content_hash, prints[s.path], s.format,
              s.metadata.title, s.metadata.author, s.metadata.date, s.metadata.outlet, s.text,
              Jsonb([list(x) for x in s.spans]), s.extracted, gen, s.metadata.url, s.metadata.date_source)
             for s in new))  # made as sent: a list of them would be a second copy of every text
    rows = [i for s in new for i in per_doc.get(s.path, [])]
    chunk_ids = dict(zip(rows, range(_reserve(conn, len(rows)), 10**18), strict=False))
    # Each chunk's term counts wait on disk (COPY text format) until the chunks are in: as a list
    # of tuples they were ~14M Python objects at 176k chunks, most of the build's peak.
    with tempfile.TemporaryFile(dir=spool_dir, prefix=".tmp-terms-") as spool:
        with conn.cursor().copy(
                'COPY rag_chunks (id, doc_id, chunk_id, path, ordinal, start, "end", text, sentences, '
                "key, n_terms, embedding) FROM STDIN WITH (FORMAT BINARY)") as cp:
            cp.set_types(["int8", "int8", "text", "text", "int4", "int4", "int4", "text", "jsonb",
                          "text", "int4", "vector"])
            for i in rows:
                c: Chunk = result.chunks[i]
                text = result.texts[i]  # made on demand: once per row
                tokens = analyze(text)
                doc = doc_ids[c.path]
                spool.write("".join(f"{t.translate(_COPY_ESCAPES)}\t{chunk_ids[i]}\t{doc}\t{n}\n"
                                    for t, n in Counter(tokens).items()).encode())
                cp.write_row((chunk_ids[i], doc, c.chunk_id, c.path, c.ordinal, c.start, c.end, c.text,
                              Jsonb([list(x) for x in c.sentences]), vector_key(text),
                              max(1, len(tokens)), result.vectors[i]))
        spool.seek(0)
        with conn.cursor().copy("COPY rag_terms (term, chunk_id, doc_id, tf) FROM STDIN") as cp:
            while block := spool.read(1 << 20):
                cp.write(block)


def _write_files(conn: Any, files: dict[str, str]) -> None:
    old = dict(conn.execute("SELECT path, hash FROM rag_files").fetchall())
    gone = [p for p in old if p not in files]
    if gone:
        conn.execute("DELETE FROM rag_files WHERE path = ANY(%s)", (gone,))
    changed = [(p, h) for p, h in files.items() if old.get(p) != h]
    if changed:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO rag_files (path, hash) VALUES (%s, %s) "
                            "ON CONFLICT (path) DO UPDATE SET hash = EXCLUDED.hash", changed)


def _json(obj: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(obj)

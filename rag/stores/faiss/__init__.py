"""The embedded store: generation folders of files (SQLite chunks, vectors.npy, FAISS, BM25)."""

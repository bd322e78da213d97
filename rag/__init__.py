"""Semantic search and retrieval QA over news articles, with exact source citations."""

__version__ = "0.1.0"

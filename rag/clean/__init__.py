"""Cleaning: find the article body in a page and what the page states about itself."""

from rag.clean.boilerplate import body_spans
from rag.clean.metadata import extract_metadata, metadata_from_html

__all__ = ["body_spans", "extract_metadata", "metadata_from_html"]

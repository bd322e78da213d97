"""Find, decode and extract article files into ``Source`` records."""

from rag.load.reader import FileEntry, Loaded, discover, load_files

__all__ = ["FileEntry", "Loaded", "discover", "load_files"]

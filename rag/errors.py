"""User-facing errors: one line that says what is wrong and what to do, never a traceback."""

import importlib.util


class RagError(Exception):
    """An error the user can act on; the CLI prints its message and exits non-zero."""


class IndexMissing(RagError):
    pass


class IndexIncompatible(RagError):
    pass


class BadQuery(RagError):
    pass


class IndexDamaged(IndexIncompatible):
    """A file of the live index no longer matches its checksum; `rag index` rebuilds it."""


class UsageError(RagError):
    """A bad option or argument: the CLI exits 2 (1 is kept for "could not do the job")."""


def require_extra(extra: str, *modules: str) -> None:
    """An optional backend's packages are missing: one line naming the extra to install."""
    if any(importlib.util.find_spec(m) is None for m in modules):
        raise RagError(f"the {extra} store needs its extra: pip install 'rag-news[{extra}]'")

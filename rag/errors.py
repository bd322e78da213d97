"""User-facing errors: one line that says what is wrong and what to do, never a traceback."""


class RagError(Exception):
    """An error the user can act on; the CLI prints its message and exits non-zero."""


class IndexMissing(RagError):
    pass


class IndexIncompatible(RagError):
    pass


class BadQuery(RagError):
    pass

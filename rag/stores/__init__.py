"""Where a built index lives and how it is read back (see ``base``)."""

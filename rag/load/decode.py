"""Bytes → text the way ``Path.read_text`` sees it, so citation offsets match the file.

Decoding never fails: odd encodings are detected or replaced, and the caller is told why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warning: str | None = None  # set when the bytes were not clean UTF-8
    utf8_native: bool = True  # True when ``text`` equals ``read_text(encoding="utf-8")``


class NotText(ValueError):
    """The bytes are empty or binary: there is no text to index."""


def normalize_newlines(text: str) -> str:
    """Universal newlines, as ``open(..., newline=None)`` applies them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(raw: bytes) -> Decoded:
    if not raw.strip():
        raise NotText("empty file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise NotText("binary file (not valid UTF-16 text)") from None
        return Decoded(normalize_newlines(text).lstrip("\ufeff"), "utf-16", None, False)
    if b"\x00" in raw[:8192]:
        raise NotText("binary file")
    try:
        text = raw.decode("utf-8")
        warning = None
        encoding = "utf-8"
        native = True
    except UnicodeDecodeError:
        lenient = raw.decode("utf-8", errors="replace")
        if any(ord(ch) > 127 and ch != "\ufffd" for ch in lenient):
            # Real UTF-8 with a few damaged bytes: keep it, mark the damage.
            text = lenient
            bad = lenient.count("\ufffd") - raw.count("\ufffd".encode())
            warning = f"{bad} undecodable byte(s) replaced with U+FFFD"
            encoding = "utf-8"
        else:
            # No valid multi-byte sequence at all: a single-byte legacy encoding.
            text = raw.decode("cp1252", errors="replace")
            warning = "not UTF-8; decoded as Windows-1252/Latin-1"
            encoding = "cp1252"
        native = False
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) > len(sample) * 0.05:
        raise NotText("binary file")
    return Decoded(normalize_newlines(text), encoding, warning, native)

"""The fast phrase search finds exactly what the case-insensitive pattern finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.clean import lines

PHRASES = {name: getattr(lines, name) for name in ("_STRONG", "_WEAK", "_CAPTION", "_CONTACT")}
WORDS = ["Leave a REPLY", "sign-up", "Sign Up for our Newsletter", "follow us", "Getty Images", "photo:",
         "©", "SUBSCRIBE", "subscribers", "e-mail", "EMAIL", "@", "ſubscribe", "K", "İ", "Photos by",
         "share", "Share this", "ad", "Ad", "log in", "login", "Tags", "read more", "x", "The", " ", ".",
         "Cookie Policy", "we use cookies", "twitter", "can be reached", "promoted content"]
LINE = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=12).map(" ".join)


@pytest.mark.parametrize("name", sorted(PHRASES))
@settings(max_examples=300, deadline=None)
@given(s=LINE)
def test_phrases_match_like_the_pattern(name: str, s: str) -> None:
    fast = PHRASES[name]
    slow = re.compile(fast.pattern.pattern, re.I)
    assert bool(fast.search(s)) == bool(slow.search(s))
    assert fast.search("Sign up for our newsletter and subscribe") or name not in ("_STRONG", "_WEAK")

import pytest

from rag.load.decode import NotText, decode
from rag.load.formats import Skip, extract


def test_utf8_matches_read_text(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("Caf\u00e9 line one.\r\nLine two.\rThree".encode())
    d = decode(p.read_bytes())
    assert d.text == p.read_text(encoding="utf-8") and d.warning is None


def test_latin1_and_utf16_are_decoded_with_warning_or_bom():
    latin = "Die Stra\u00dfe war gesperrt, sagte der Sprecher der Regierung. " * 3
    d = decode(latin.encode("latin-1"))
    assert "Stra\u00dfe" in d.text and d.warning and not d.utf8_native
    d16 = decode(("\ufeff" + latin).encode("utf-16"))
    assert d16.text == latin and d16.encoding == "utf-16"


def test_binary_and_empty_are_refused():
    with pytest.raises(NotText):
        decode(b"")
    with pytest.raises(NotText):
        decode(b"  \n\t ")
    with pytest.raises(NotText):
        decode(bytes(range(256)) * 10)


def test_a_few_bad_bytes_are_replaced_with_warning():
    raw = ("Good café text that is mostly fine. " * 20).encode() + b"\xff" + b" and more."
    d = decode(raw)
    assert "\ufffd" in d.text and "replaced" in (d.warning or "")


def test_jsonl_articles_and_bad_lines():
    raw = b'{"title": "T1", "text": "Body one.", "outlet": "O"}\nnot json\n{"title": "T2", "text": "Body two."}\n'
    sources, warnings = extract("feed.jsonl", raw)
    assert [s.path for s in sources] == ["feed.jsonl#1", "feed.jsonl#3"]
    assert sources[0].metadata.outlet == "O" and sources[0].text == "Body one."
    assert any("line 2" in w for w in warnings)


def test_html_main_text_is_extracted():
    html = ("<html><head><title>Big news today</title></head><body><nav>Home | About | Contact</nav>"
            "<article><h1>Big news today</h1>" + "<p>The council voted to reopen the bridge on Monday "
            "after repairs that lasted nine months, officials said.</p>" * 3 + "</article>"
            "<footer>Copyright 2024. All rights reserved.</footer></body></html>")
    (src,), _ = extract("page.html", html.encode())
    assert "council voted to reopen the bridge" in src.text
    assert "All rights reserved" not in src.text
    assert src.metadata.title == "Big news today" and src.extracted
    for s, e in src.spans:
        assert src.text[s:e].strip() == src.text[s:e]


def test_chrome_only_page_is_skipped():
    with pytest.raises(Skip):
        extract("x.txt", b"Advertisement:\n\nLeave a Reply\n\nYour email address will not be published.\n")

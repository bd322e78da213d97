"""Body detection on the sample pages and on made-up pages: chrome out, every body line in."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.clean import body_spans

DATA = Path(__file__).resolve().parents[2] / "data"
PAGES = {p.name[:3]: p for p in sorted(DATA.glob("*.txt"))}

# Lines of each sample page that are not article body (the headline is never a body span).
CHROME: dict[str, list[str]] = {
    "000": [
        "Stoltenberg Joins Calls for NATO Weapons To Be Used on Russian Territory",
        "Author: Dave DeCamp",
        "Dave DeCamp is the news editor of Antiwar.com, follow him on Twitter @decampdave.",
    ],
    "001": [
        "Media Wire",
        "Let Ukraine freely strike Russia with western weapons: NATO head",
        "IFP Media Wire",
        "Reports and views published in the Media Wire section have been retrieved",
        "Recent Posts",
        "Iran says unconditional withdrawal of US forces necessary for Syria’s peace",
        "Heavy rains in the northern Iranian province of Mazandaran",
        "Pentagon chief urges diplomacy to avoid Israel-Hezbollah war",
        "The United States has imposed a raft of new sanctions on nearly 50 entities",
        "2 hours ago",
        "5 hours ago",
    ],
    "002": [
        "Support Us",
        "Follow us on Instagram!",
        "Stoltenberg calls on NATO allies to allow Ukraine to strike Russian territory",
        "Saturday, 25 May 2024, 01:45",
        "Photo: Getty Images",
        "Advertisement:",
        "Background:",
        "Support UP or become our patron!",
    ],
    "003": [],
    "004": [
        "NATO",
        "NATO Chief Stoltenberg Dismisses Putin’s Escalation Warnings Over Western Weapons",
        "Leave a Reply",
        "Your email address will not be published.",
        "Required fields are marked *",
    ],
}
# A few body sentences per page, including the short and the list-shaped ones.
BODY: dict[str, list[str]] = {
    "000": [
        "Blinken is reportedly pushing for Biden to lift the restriction",
        "On Friday, NATO Secretary General Jens Stoltenberg joined calls for Ukraine",
        "Hawks in the US downplay the risk of escalation",
    ],
    "001": [
        "NATO Secretary-General Jens Stoltenberg has argued that members",
        "“So, that’s a different thing.”",
    ],
    "002": [
        "NATO Secretary General Jens Stoltenberg has called on NATO allies",
        "Source: Stoltenberg in an interview with The Economist",
        "He also criticised European allies who had promised one million artillery shells",
        "• It was reported that US House Speaker Mike Johnson",
        "• President Volodymyr Zelenskyy confirmed in an interview with Reuters",
    ],
    "003": [
        "The Secretary-General of NATO has said that the U.S. should reverse its ban",
        "“We’ve been clear about our own policy.”",
        "he is still willing to continue fighting if the West rejects his attempts",
    ],
    "004": [
        "Stoltenberg reiterated that this stance has been consistent since Russia's invasion",
        "warned that the conflict with the West could escalate into an all-out war.",
    ],
}


# Where a page's trailing chrome begins: from this line on, nothing is body.
CHROME_TAIL = {"001": "IFP Media Wire", "002": "Support UP or become our patron!", "004": "Leave a Reply"}


def is_chrome(chrome: str, piece: str) -> bool:
    """Short chrome strings ("NATO", "Media Wire") must match a whole line; longer ones anywhere."""
    return piece == chrome or (len(chrome) > 12 and chrome in piece)


def assert_valid(text: str, spans: list[tuple[int, int]]) -> None:
    """Sorted, non-overlapping, non-empty, within bounds, trimmed, one line each."""
    assert spans == sorted(spans)
    for (_, end), (start, _) in pairwise(spans):
        assert end <= start
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip() and "\n" not in piece


def kept(text: str) -> list[str]:
    return [text[s:e] for s, e in body_spans(text)]


def test_samples_are_present() -> None:
    assert sorted(PAGES) == sorted(CHROME)


@pytest.mark.parametrize("key", sorted(CHROME))
def test_sample_chrome_removed_and_body_kept(key: str) -> None:
    text = PAGES[key].read_text(encoding="utf-8")
    spans = body_spans(text)
    assert_valid(text, spans)
    pieces = [text[s:e] for s, e in spans]
    for chrome in CHROME[key]:
        assert not any(is_chrome(chrome, p) for p in pieces), chrome
    for sentence in BODY[key]:
        assert any(sentence in p for p in pieces), sentence
    tail = text.find(CHROME_TAIL[key]) if key in CHROME_TAIL else len(text)
    assert tail >= 0 and all(end <= tail for _, end in spans)
    # Every other line is kept: no body sentence is lost.
    for line in (ln.strip() for ln in text[:tail].split("\n")):
        if line and not any(is_chrome(c, line) for c in CHROME[key]):
            assert line in pieces, line


@pytest.mark.parametrize("key", sorted(CHROME))
def test_no_generic_chrome_in_any_sample(key: str) -> None:
    joined = "\n".join(kept(PAGES[key].read_text(encoding="utf-8"))).lower()
    for phrase in (
        "advertisement",
        "leave a reply",
        "follow us",
        "support us",
        "recent posts",
        "hours ago",
        "photo:",
        "author:",
        "necessarily reflect",
        "@",
    ):
        assert phrase not in joined


# A made-up page: menu, cookie banner, ads, byline, share bar, related links, comment form, footer.
SYNTHETIC = "\n".join(
    [
        "Skip to main content",
        "Home | World | Politics | Business | Sport | Culture",
        (
            "We use cookies to improve your experience on our site. By continuing to browse you agree "
            "to our use of cookies. Accept all cookies"
        ),
        "ADVERTISEMENT",
        "City Council Approves Bigger Budget for Public Libraries",
        "By Jane Smith",
        "March 3, 2023 at 10:15 am",
        "",
        (
            "The city council voted on Tuesday to approve a new budget that increases funding for "
            "public libraries by twelve percent, the largest increase in more than a decade, after "
            "months of debate."
        ),
        "",
        (
            "Council members said the money would be used to extend opening hours and to hire "
            "additional staff at all of the branches in the city."
        ),
        '"This is a good day," said one member.',
        "The plan includes:",
        "  • longer weekend hours",
        "  • new children's rooms",
        "",
        "Sponsored Content",
        (
            "Library staff welcomed the news, saying that demand for their services had grown sharply "
            "since the pandemic and that many branches had been struggling to cope with the queues."
        ),
        '"We can finally breathe."',
        "",
        "Share this article",
        "Facebook Twitter Email",
        "Related Articles",
        "Mayor announces new transit plan for downtown",
        "The mayor on Monday unveiled a plan that would reshape how residents travel across the…",
        "3 days ago",
        "School board election results are in",
        "1 week ago",
        "Leave a comment",
        "Your email address will not be published. Required fields are marked *",
        "Name *",
        "Email *",
        "Post Comment",
        "© 2023 Springfield Gazette. All rights reserved. Privacy Policy | Terms of Use",
        "",
    ]
)
SYNTHETIC_BODY = [
    "The city council voted on Tuesday to approve a new budget",
    "Council members said the money would be used to extend opening hours",
    '"This is a good day," said one member.',
    "The plan includes:",
    "• longer weekend hours",
    "• new children's rooms",
    "Library staff welcomed the news",
    '"We can finally breathe."',
]


def test_synthetic_page_generalises() -> None:
    pieces = kept(SYNTHETIC)
    assert_valid(SYNTHETIC, body_spans(SYNTHETIC))
    for sentence in SYNTHETIC_BODY:
        assert any(sentence in p for p in pieces), sentence
    assert len(pieces) == len(SYNTHETIC_BODY)  # and nothing else: no menu, banner, headline, teaser


def test_teaser_list_before_the_body_is_chrome_and_body_resumes() -> None:
    page = (
        "Trending Stories\n\nFlooding closes two bridges in the valley\n\n"
        "Police search for the driver of a…\n\n4 hours ago\n\nNew Stadium Plan Splits Town Residents\n\n"
        "Residents packed the town hall on Wednesday evening to argue about a proposed stadium, with "
        "many saying that it would bring traffic and noise while others welcomed the promise of "
        "hundreds of new jobs.\n\n"
        "The vote is scheduled for next month.\n"
    )
    pieces = kept(page)
    assert pieces[0].startswith("Residents packed the town hall")
    assert pieces[1:] == ["The vote is scheduled for next month."]


def test_headline_is_never_a_span_nor_its_repeat() -> None:
    page = "Heavy Snow Cuts Power to Thousands\n\nHeavy Snow Cuts Power to Thousands\n\n" + (
        "Thousands of homes were left without power on Monday after heavy snow brought down lines across the "
        "region, and the utility said it could take several days before everyone was reconnected again.\n"
    )
    assert [p[:9] for p in kept(page)] == ["Thousands"]


@pytest.mark.parametrize(
    "page",
    [
        "Advertisement:\n\nLeave a Reply\n\nYour email address will not be published.",
        "",
        "   \n\n\t \n",
        "Home | News | Sport\nSubscribe\nFollow us on Twitter\n© 2024 Example Media. All rights reserved.",
        "Recent Posts\n\nSome headline here about things\n\nA snippet of a story that was cut…\n\n1 h ago",
    ],
)
def test_chrome_only_pages_yield_no_spans(page: str) -> None:
    assert body_spans(page) == []


def test_crlf_and_nbsp_are_trimmed() -> None:
    body = (
        "The committee said on Friday that it had finished its review of the proposal and would publish the "
        "findings next week, after consulting the residents who had raised concerns."
    )
    page = f"\u00a0{body}\u00a0\r\n\r\n"
    assert kept(page) == [body]


LINES = st.sampled_from(
    [
        "Advertisement:",
        "2 hours ago",
        "Recent Posts",
        "Leave a Reply",
        "  • a bullet point here",
        "Home | News",
        "A Headline About Something Important",
        'He said it was "over".',
        "Saturday, 25 May 2024, 01:45",
        "The minister said on Tuesday that the new rules would come into force next year for all firms.",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(), st.lists(st.one_of(LINES, st.text(max_size=40)), max_size=30).map("\n".join)))
def test_body_spans_never_crash_and_are_valid(text: str) -> None:
    assert_valid(text, body_spans(text))


def test_numbered_lists_and_inline_ads_stay_in_the_body() -> None:
    intro = (
        "The agency listed three measures that it said would reduce delays at the border crossings "
        "during the summer, when traffic is heaviest."
    )
    outro = "Officials said the measures would be reviewed in the autumn, once the figures were in."
    page = "\n".join([intro, "1. more staff", "2. longer hours", "Advertisement", "3. online forms", outro])
    assert kept(page) == [intro, "1. more staff", "2. longer hours", "3. online forms", outro]


@pytest.mark.parametrize(
    "page, body",
    [
        # an abstract saved as a file: title line, blank line, one paragraph of scientific prose
        ("Microstructural development of white matter assessed in vivo\n\nDiffusion-weighted MRI "
         "measured apparent diffusion coefficients in 17 preterm and 7 term newborns.\n",
         ["Diffusion-weighted MRI measured apparent diffusion coefficients in 17 preterm and 7 term newborns."]),
        # a short wire item: a headline and one sentence
        ("Quake hits northern Japan\n\nA magnitude 6.1 earthquake struck off Hokkaido on Monday, officials said.",
         ["A magnitude 6.1 earthquake struck off Hokkaido on Monday, officials said."]),
        # a one-line pasted article
        ("Germany lifts its restrictions on weapons use.", ["Germany lifts its restrictions on weapons use."]),
    ],
)
def test_short_articles_are_never_dropped(page: str, body: list[str]) -> None:
    assert kept(page) == body


def test_scifact_abstracts_as_files_keep_their_text() -> None:
    """Every SciFact abstract written as ``title\\n\\ntext`` keeps a body (451 of 5,183 were lost)."""
    import json

    corpus = DATA.parent.parent / "shared" / "benchmarks" / "beir" / "scifact" / "corpus.jsonl"
    if not corpus.is_file():
        pytest.skip("SciFact is not beside the project")
    lost = []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if doc["text"].strip() and not body_spans(f"{doc['title']}\n\n{doc['text']}\n"):
                lost.append(doc["_id"])
    assert lost == []


def test_a_long_paragraph_quoting_a_chrome_phrase_is_body() -> None:
    """A single long paragraph (a wire story pasted as one line, a 1 MB article) is prose even
    when it quotes "all rights reserved" or "does not necessarily reflect" somewhere."""
    para = ("The minister said the agency's statement does not necessarily reflect the government's view, "
            "and that the review of the border rules would continue through the summer. ") * 12
    page = f"Ministry distances itself from agency statement\n\n{para.strip()}\n"
    assert kept(page) == [para.strip()]

"""A realistic news-like corpus for the build benchmarks, generated (nothing to ship or fetch).

Articles look like what a news archive holds: a headline, a byline and dateline, a lead, short
paragraphs of 1-3 sentences (real sentences: SciFact abstracts for topic-coherent vocabulary,
the sample articles' sentences for news phrasing and quotes), page chrome lines a cleaner must
drop, 250-1,200 words, and a share of syndicated copies (the same story under another outlet and
file name). Deterministic for a seed.
"""

from __future__ import annotations

import random
from pathlib import Path

from bench.common import DATA, scifact_docs
from bench.synth_index import sentence_pool

OUTLETS = ("The Daily Ledger", "Metro Courier", "Northern Herald", "Global Wire", "City Times",
           "Evening Post", "Valley News", "Harbour Gazette")
AUTHORS = ("Maria Keller", "James Okafor", "Lena Petrova", "Tom Hughes", "Aiko Tanaka", "Ravi Menon")
CHROME = ("Advertisement", "Share this article", "Read more: {title}", "Sign up for our newsletter",
          "Related coverage", "Comments are closed.", "Follow us on social media")
SYNDICATED = 0.1  # share of articles that are another outlet's copy of an earlier story


def _news_sentences() -> list[str]:
    from rag.chunk.sentences import sentence_spans

    out: list[str] = []
    for p in sorted(DATA.glob("*.txt")):
        t = p.read_text(encoding="utf-8")
        out += [t[a:b] for a, b in sentence_spans(t) if 40 <= b - a <= 300]
    return out


def articles(n: int, seed: int = 11) -> list[tuple[str, str]]:
    """``n`` (file name, text) pairs."""
    rng = random.Random(seed)
    titles, abstracts = sentence_pool(scifact_docs())
    if not abstracts:
        raise RuntimeError("SciFact is needed for the news corpus (set RAG_BENCH_SCIFACT)")
    quotes = _news_sentences()
    out: list[tuple[str, str]] = []
    while len(out) < n:
        if out and rng.random() < SYNDICATED:
            text = rng.choice(out)[1]
            outlet = rng.choice(OUTLETS)
            head, _, rest = text.partition("\n\n")
            body = rest.partition("\n\n")[2]
            out.append((f"{len(out):05d}_wire.txt", f"{head}\n\nBy {outlet} staff\n\n{body}"))
            continue
        topic = rng.randrange(len(abstracts))
        sents: list[str] = []
        target = rng.randint(250, 1200)
        while sum(len(s.split()) for s in sents) < target:
            sents += abstracts[rng.randrange(len(abstracts)) if sents and rng.random() < 0.5 else topic]
            if rng.random() < 0.6:
                sents.append(rng.choice(quotes))
        title = titles[topic]
        paras: list[str] = []
        i = 0
        while i < len(sents):
            k = rng.randint(1, 3)
            paras.append(" ".join(sents[i:i + k]))
            i += k
            if rng.random() < 0.08:
                paras.append(rng.choice(CHROME).format(title=rng.choice(titles)))
        day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        byline = f"By {rng.choice(AUTHORS)} | {rng.choice(OUTLETS)} | {day}"
        out.append((f"{len(out):05d}.txt", f"{title}\n\n{byline}\n\n" + "\n\n".join(paras) + "\n"))
    return out


def write(folder: Path, n: int, seed: int = 11) -> list[str]:
    """Write ``n`` articles into ``folder``; returns their texts (for the txtai side)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for name, text in articles(n, seed):
        (folder / name).write_text(text, encoding="utf-8")
        texts.append(text)
    return texts


def big_article(folder: Path, size: int = 1_000_000, seed: int = 12) -> Path:
    """One article of ``size`` characters (a long report: paragraphs of many stories)."""
    folder.mkdir(parents=True, exist_ok=True)
    parts: list[str] = []
    total = 0
    for _, text in articles(max(4, size // 3000), seed):
        body = text.split("\n\n", 2)[-1]
        parts.append(body)
        total += len(body)
        if total >= size:
            break
    path = folder / "long-report.txt"
    path.write_text("A year in review: the long report\n\n" + "\n\n".join(parts)[:size] + "\n", encoding="utf-8")
    return path

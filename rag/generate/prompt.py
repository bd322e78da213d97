"""The prompt: the top passages numbered as the results are, and strict citation rules."""

from __future__ import annotations

from rag.generate.client import Message
from rag.records import Result

SYSTEM = ("You answer questions about news articles using only the numbered passages given. "
          "Write at most three short sentences. End every sentence with the number of the passage "
          "that says it, in square brackets, like [2]. Copy names and numbers exactly as the "
          "passage gives them. If the passages do not answer the question, say so.")
REMINDER = ("Answer with one or two sentences from the passages. End each sentence with the "
            "number of its passage in brackets, like [1].")
PASSAGES = 5  # the top results the model sees; more dilutes a small model's attention


def build_messages(question: str, results: list[Result], limit: int = PASSAGES) -> list[Message]:
    """System rules, then the passages as ``[n] title: text`` and the question."""
    blocks = []
    for r in results[:limit]:
        text = " ".join(r.text.split())
        blocks.append(f"[{r.rank}] {text}")
    user = ("Passages:\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}\n{REMINDER}")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]

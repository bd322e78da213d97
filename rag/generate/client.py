"""The generator interface and its one implementation: an OpenAI-compatible chat server.

Ollama, llama.cpp's server, vLLM and LM Studio all speak this API, so the official ``openai``
client covers them; it is imported only when a generator is actually used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from rag.config import LlmConfig
from rag.errors import RagError

Message = dict[str, str]
OnToken = Callable[[str], None]


class Generator(Protocol):
    def stream(self, messages: list[Message]) -> Iterator[str]:
        """The answer's text, piece by piece as the model writes it."""
        ...


def _openai() -> Any:
    try:
        import openai
    except ImportError:
        raise RagError("generation needs the openai package: pip install 'rag-news[llm]'") from None
    return openai


@dataclass
class OpenAIGenerator:
    """Streams chat completions from ``base_url`` (e.g. http://127.0.0.1:11434/v1 for Ollama)."""

    base_url: str
    model: str = ""
    key: str | None = None
    timeout: float = 120.0
    max_tokens: int = 256

    def _client(self) -> Any:
        openai = _openai()
        # Local servers need no key, but the client insists on one.
        return openai.OpenAI(base_url=self.base_url, api_key=self.key or "none",
                             timeout=self.timeout, max_retries=0)

    def _model(self, client: Any) -> str:
        if self.model:
            return self.model
        models = list(client.models.list())
        if not models:
            raise RagError(f"the LLM server at {self.base_url} lists no models: set RAG_LLM_MODEL")
        return str(models[0].id)

    def stream(self, messages: list[Message]) -> Iterator[str]:
        openai = _openai()
        try:
            client = self._client()
            stream = client.chat.completions.create(
                model=self._model(client), messages=messages, stream=True,
                max_tokens=self.max_tokens, temperature=0.0)
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.APIStatusError as exc:
            raise RagError(f"the LLM server at {self.base_url} refused the request "
                           f"(HTTP {exc.status_code}): {_short(exc.message)}") from None
        except openai.APITimeoutError:
            raise RagError(f"the LLM server at {self.base_url} did not answer within "
                           f"{self.timeout:g} s") from None
        except openai.APIError as exc:
            raise RagError(f"could not reach the LLM server at {self.base_url}: {_short(str(exc))}") from None


def _short(text: str) -> str:
    return " ".join(str(text).split())[:200]


def from_config(config: LlmConfig) -> OpenAIGenerator | None:
    """The configured generator, or None when generation is off."""
    if not config.url:
        return None
    return OpenAIGenerator(config.url.rstrip("/"), config.model, config.key, config.timeout,
                           config.max_tokens)


def complete(gen: Generator, messages: list[Message], on_token: OnToken | None = None) -> str:
    """The whole answer, passing each piece to ``on_token`` as it arrives."""
    parts: list[str] = []
    for piece in gen.stream(messages):
        parts.append(piece)
        if on_token is not None:
            on_token(piece)
    return "".join(parts)

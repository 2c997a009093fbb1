"""Token usage in provider responses, SDK results and SSE streams (no gRPC here)."""

import codecs
import json
from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class TokenUsage:
    """Tokens a call used as the provider counted them; None where it did not say."""

    prompt_tokens: Optional[int] = None
    completion_tokens: Optional[int] = None


def merge_usage(earlier: Optional[TokenUsage], later: Optional[TokenUsage]) -> Optional[TokenUsage]:
    """Each field takes the latest value: streams report cumulative counts."""
    if later is None:
        return earlier
    if earlier is None:
        return later
    return TokenUsage(
        later.prompt_tokens if later.prompt_tokens is not None else earlier.prompt_tokens,
        later.completion_tokens if later.completion_tokens is not None else earlier.completion_tokens,
    )


def usage_from_body(body: Any) -> Optional[TokenUsage]:
    """Usage in a response body, a streamed event or an SDK result object.

    OpenAI ``usage.prompt_tokens/completion_tokens``; OpenAI Responses and Anthropic
    ``usage.input_tokens/output_tokens`` (also inside ``message`` and ``response``);
    Gemini ``usageMetadata``; a list merges its items. SDK objects (pydantic models)
    are read through their attributes or ``model_dump()``.
    """
    body = _plain(body)
    if isinstance(body, list):
        usage: Optional[TokenUsage] = None
        for item in body:
            usage = merge_usage(usage, usage_from_body(item))
        return usage
    if not isinstance(body, dict):
        return None
    gemini = _gemini(_plain(body.get("usageMetadata", body.get("usage_metadata"))))
    if gemini is not None:
        return gemini
    direct = _usage_object(_plain(body.get("usage")))
    if direct is not None:
        return direct
    for wrapper in ("message", "response"):
        inner = _plain(body.get(wrapper))
        if isinstance(inner, dict):
            nested = _usage_object(_plain(inner.get("usage")))
            if nested is not None:
                return nested
    return None


def _usage_object(value: Any) -> Optional[TokenUsage]:
    if not isinstance(value, dict):
        return None
    prompt, completion = _count(value.get("prompt_tokens")), _count(value.get("completion_tokens"))
    if prompt is not None or completion is not None:
        return TokenUsage(prompt, completion)
    inp, out = _count(value.get("input_tokens")), _count(value.get("output_tokens"))
    if inp is None and out is None:
        return None
    # Anthropic cache writes count against its input limit; cache reads do not.
    cache_write = _count(value.get("cache_creation_input_tokens")) or 0
    return TokenUsage(None if inp is None else inp + cache_write, out)


def _gemini(value: Any) -> Optional[TokenUsage]:
    if not isinstance(value, dict):
        return None
    prompt = _count(value.get("promptTokenCount", value.get("prompt_token_count")))
    candidates = _count(value.get("candidatesTokenCount", value.get("candidates_token_count")))
    thoughts = _count(value.get("thoughtsTokenCount", value.get("thoughts_token_count")))
    if prompt is None and candidates is None:
        return None
    completion = None if candidates is None and thoughts is None else (candidates or 0) + (thoughts or 0)
    return TokenUsage(prompt, completion)


def _count(value: Any) -> Optional[int]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return int(round(value))


def _plain(value: Any) -> Any:
    """SDK result objects as dicts: pydantic models (OpenAI, Anthropic, google-genai)."""
    if value is None or isinstance(value, (dict, list, str, int, float, bool)):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(by_alias=False)
        except TypeError:
            return dump()
    return getattr(value, "__dict__", None)


def is_terminal_event(payload: Any) -> bool:
    """Whether an SSE event's data is the last one its provider sends on a complete answer:
    OpenAI's ``[DONE]``, Anthropic's ``message_stop``, Gemini's chunk carrying a ``finishReason``.
    An SDK stops reading there and closes the response, so what follows is no cancellation."""
    if payload == "[DONE]":
        return True
    if not isinstance(payload, dict):
        return False
    if payload.get("type") == "message_stop":
        return True
    candidates = payload.get("candidates")
    return isinstance(candidates, list) and any(
        isinstance(c, dict) and (c.get("finishReason") or c.get("finish_reason")) for c in candidates)


class SseUsageTracker:
    """Reads usage out of an SSE stream as its bytes pass by, keeping only the current line."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._line = ""
        self._data: list = []
        self._after_cr = False
        self.usage: Optional[TokenUsage] = None
        #: True once the provider's terminal event went by (see ``is_terminal_event``).
        self.complete = False

    def push(self, chunk: bytes) -> None:
        """Feeds the next bytes of the stream, split anywhere."""
        self._feed(self._decoder.decode(chunk))

    def end(self) -> Optional[TokenUsage]:
        """Ends the stream; an event without its blank line still counts."""
        self._feed(self._decoder.decode(b"", final=True))
        if self._line:
            self._end_line()
        self._dispatch()
        return self.usage

    def _feed(self, text: str) -> None:
        start = 1 if self._after_cr and text.startswith("\n") else 0
        if text:
            self._after_cr = False
        i = start
        while i < len(text):
            c = text[i]
            if c in "\r\n":
                self._line += text[start:i]
                if c == "\r":
                    if i + 1 == len(text):
                        self._after_cr = True
                    elif text[i + 1] == "\n":
                        i += 1
                self._end_line()
                start = i + 1
            i += 1
        self._line += text[start:]

    def _end_line(self) -> None:
        line, self._line = self._line, ""
        if not line:
            self._dispatch()
        elif line.startswith("data:"):
            self._data.append(line[6:] if line[5:6] == " " else line[5:])

    def _dispatch(self) -> None:
        if not self._data:
            return
        payload, self._data = "\n".join(self._data), []
        if not payload.startswith("{"):
            self.complete = self.complete or is_terminal_event(payload.strip())
            return
        try:
            parsed = json.loads(payload)
        except ValueError:
            return
        self.complete = self.complete or is_terminal_event(parsed)
        self.usage = merge_usage(self.usage, usage_from_body(parsed))

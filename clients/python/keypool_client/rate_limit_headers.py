"""What a report carries of the provider's answer: the rate-limit headers and an error's body prefix.

Only the headers keypool's rate-limit parsers read are passed on; any other header may carry a
cookie, an account id or a request id, so it never leaves the caller. The lists are the TypeScript
client's (src/provider-http/rate-limits/rate-limit-header-names.ts); a test holds them equal.
This module needs nothing but the standard library.
"""

from typing import Any, Dict, Iterable, Optional, Tuple

RATE_LIMIT_HEADER_NAMES: Tuple[str, ...] = ("retry-after", "retry-after-ms")
#: OpenAI, Azure, Groq and OpenRouter write ``x-ratelimit-*``; Anthropic ``anthropic-ratelimit-*``.
RATE_LIMIT_HEADER_PREFIXES: Tuple[str, ...] = ("x-ratelimit-", "anthropic-ratelimit-")
#: A real answer carries at most a dozen and a half (Anthropic); the rest of a hostile answer is dropped.
MAX_RATE_LIMIT_HEADERS = 32
#: Only the start of an error body is sent: quota details come first, and the sidecar refuses more.
MAX_ERROR_BODY_BYTES = 8 * 1024
_MAX_NAME_CHARS = 64
#: Longer values are no rate-limit header of any provider; the parsers skip them.
_MAX_VALUE_CHARS = 256


def is_rate_limit_header(name: str) -> bool:
    """True when ``name`` (any case) is one of the headers the parsers read."""
    lower = name.lower()
    if len(lower) > _MAX_NAME_CHARS:
        return False
    return lower in RATE_LIMIT_HEADER_NAMES or any(lower.startswith(p) and len(lower) > len(p) for p in RATE_LIMIT_HEADER_PREFIXES)


def _pairs(headers: Any) -> Iterable[Tuple[Any, Any]]:
    if headers is None:
        return ()
    items = getattr(headers, "items", None)
    if callable(items):
        return items()
    return headers


def rate_limit_headers(headers: Any) -> Dict[str, str]:
    """The allow-listed headers of an answer (httpx or requests headers, a mapping or pairs), with
    lower-case names, within the sidecar's caps so that a report is never refused for them."""
    picked: Dict[str, str] = {}
    for name, value in _pairs(headers):
        if len(picked) >= MAX_RATE_LIMIT_HEADERS:
            break
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if not isinstance(name, str) or not isinstance(value, str) or len(value) > _MAX_VALUE_CHARS:
            continue
        if is_rate_limit_header(name):
            picked[name.lower()] = value
    return picked


def error_body_prefix(status: Optional[int], content: Optional[bytes]) -> bytes:
    """The first 8 KiB of a non-2xx body; nothing of a success."""
    if status is None or 200 <= status < 300 or not content:
        return b""
    return bytes(content[:MAX_ERROR_BODY_BYTES])


class ProviderAnswer:
    """What an HTTP answer says about the provider's limits, ready for a report."""

    __slots__ = ("headers", "error_body")

    def __init__(self, headers: Optional[Dict[str, str]] = None, error_body: bytes = b""):
        self.headers: Dict[str, str] = headers or {}
        self.error_body = error_body

    def __repr__(self) -> str:
        return "ProviderAnswer(headers=%r, error_body=<%d bytes>)" % (self.headers, len(self.error_body))


def answer_of(response: Any) -> ProviderAnswer:
    """The rate-limit headers of an httpx or requests response and, when it failed, the start of
    its body if that was read. A body not read yet (a stream) is left alone."""
    status = getattr(response, "status_code", None)
    headers = rate_limit_headers(getattr(response, "headers", None))
    if not isinstance(status, int) or 200 <= status < 300:
        return ProviderAnswer(headers)
    try:
        content = response.content
    except Exception:  # a streamed body not read: the headers alone
        content = None
    return ProviderAnswer(headers, error_body_prefix(status, content if isinstance(content, (bytes, bytearray)) else None))

"""What a provider call's response or exception means for the key (no gRPC here).

The same rules as the TypeScript client, so that both report alike:
2xx success; 401/403 and Gemini's 400 ``API_KEY_INVALID`` unauthorized; 429 rate limited,
or quota exhausted when the body says so (OpenAI ``insufficient_quota``, a Gemini per-day
QuotaFailure); 408/504 timeout; 499 cancelled; other 5xx server error; other 4xx client error.
"""

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional

from .redact import safe_message
from .retry_after import error_details, retry_after_from_body, retry_after_from_headers

#: Outcome names, as the broker knows them.
OUTCOMES = (
    "success",
    "rate_limited",
    "quota_exhausted",
    "unauthorized",
    "server_error",
    "client_error",
    "timeout",
    "cancelled",
)


@dataclass(frozen=True)
class CallOutcome:
    """An outcome with what the provider said about it; ``retry_after`` in seconds."""

    outcome: str
    http_status: Optional[int] = None
    retry_after: Optional[float] = None
    error_message: Optional[str] = None


def header_getter(headers: Any) -> Callable[[str], Optional[str]]:
    """Case-insensitive reads from httpx/requests headers or a plain mapping."""
    if headers is None:
        return lambda name: None
    if isinstance(headers, Mapping) and not hasattr(headers, "get_list"):
        lower = {str(k).lower(): v for k, v in headers.items()}
        return lambda name: _text(lower.get(name.lower()))
    return lambda name: _text(headers.get(name))


def outcome_from_http(status: int, headers: Any, body: Any, secrets: Iterable[str] = (), now: Optional[float] = None) -> CallOutcome:
    """The outcome of a provider HTTP response (``body`` parsed JSON, text, or None)."""
    outcome = _classify(status, body)
    if outcome == "success":
        return CallOutcome("success", status)
    retry = retry_after_from_headers(header_getter(headers), now)
    if retry is None:
        retry = retry_after_from_body(body)
    message = error_text(body)
    return CallOutcome(outcome, status, retry, safe_message(message, secrets) if message else None)


def outcome_from_exception(exc: BaseException, secrets: Iterable[str] = ()) -> CallOutcome:
    """The outcome of a provider call that raised: httpx ``HTTPStatusError``, the OpenAI and
    Anthropic SDKs' ``APIStatusError`` (``status_code``, ``response``, ``body``), google-genai's
    ``APIError`` (``code``, ``details``); timeouts, cancellation and connection failures by type.
    Anything else is the caller's own error: ``cancelled``, which leaves the key alone."""
    secrets = list(secrets)
    status = _status_of(exc)
    if status is not None:
        response = getattr(exc, "response", None)
        return outcome_from_http(status, getattr(response, "headers", None), _body_of(exc, response), secrets)
    name = type(exc).__name__
    described = safe_message("%s %s" % (name, exc), secrets)
    if isinstance(exc, TimeoutError) or "Timeout" in name:
        return CallOutcome("timeout", error_message="timeout: " + described)
    if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt)):
        return CallOutcome("cancelled", error_message="cancelled: " + name)
    if isinstance(exc, ConnectionError) or "Connect" in name or name in ("TransportError", "NetworkError", "RemoteProtocolError", "ReadError"):
        return CallOutcome("server_error", error_message="connection error: " + described)
    return CallOutcome("cancelled", error_message="caller error: " + name)


def error_text(body: Any) -> Optional[str]:
    """The provider's own short description: ``code: message``."""
    if isinstance(body, str):
        return body[:1000]
    error = inner_error(body)
    if error is None:
        return None
    message = error.get("message") if isinstance(error.get("message"), str) else ""
    code = next((c for c in (error.get("code"), error.get("status"), error.get("type")) if isinstance(c, str) and c), None)
    if code is None:
        return message
    return "%s: %s" % (code, message) if message else code


def inner_error(body: Any) -> Optional[dict]:
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        return error
    return body if isinstance(body.get("message"), str) else None


def parse_body(content: bytes) -> Any:
    """A body as JSON when it looks like JSON, else as text."""
    text = content.decode("utf-8", errors="replace")
    if text.strip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _classify(status: int, body: Any) -> str:
    if 200 <= status < 300:
        return "success"
    if status == 429:
        return "quota_exhausted" if _quota_exhausted(body) else "rate_limited"
    if status in (401, 403) or (status == 400 and _invalid_key(body)):
        return "unauthorized"
    if status in (408, 504):
        return "timeout"
    if status == 499:
        return "cancelled"
    return "server_error" if status >= 500 else "client_error"


def _quota_exhausted(body: Any) -> bool:
    error = inner_error(body) or {}
    if "insufficient_quota" in (error.get("code"), error.get("type")):
        return True
    for detail in error_details(body):
        for violation in detail.get("violations") or []:
            if isinstance(violation, dict) and re.search("PerDay", str(violation.get("quotaId", "")), re.I):
                return True
    return False


def _invalid_key(body: Any) -> bool:
    return any(str(d.get("reason", "")).startswith("API_KEY_") for d in error_details(body))


def _status_of(exc: BaseException) -> Optional[int]:
    response = getattr(exc, "response", None)
    for candidate in (getattr(exc, "status_code", None), getattr(response, "status_code", None), getattr(exc, "code", None)):
        if isinstance(candidate, int) and not isinstance(candidate, bool) and 100 <= candidate <= 599:
            return candidate
    return None


def _body_of(exc: BaseException, response: Any) -> Any:
    # OpenAI keeps the inner error object in `body`, Anthropic the whole body; google-genai `details`.
    for attr in ("body", "details"):
        value = getattr(exc, attr, None)
        if isinstance(value, dict):
            return value if "error" in value else {"error": value}
    if response is not None:
        try:
            return parse_body(response.content)
        except Exception:  # a streamed response not read yet: judge by status and headers
            return None
    return None


def _text(value: Any) -> Optional[str]:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else None

"""A leased key and what its report answered."""

from dataclasses import dataclass
from typing import Any, Optional

from .outcomes import CallOutcome, outcome_from_http, parse_body
from .rate_limit_headers import ProviderAnswer, answer_of
from .usage import TokenUsage, usage_from_body


@dataclass(frozen=True)
class FallbackKey:
    """The key to use when the sidecar is unreachable (``base_url`` None keeps the SDK's own)."""

    api_key: str
    base_url: Optional[str] = None


@dataclass(frozen=True)
class ReportResult:
    """What the broker answered to a report."""

    key_id: str
    key_state: str
    already_reported: bool
    outcome: Optional[str]


class Lease:
    """A leased key. ``api_key`` is the secret; it never shows in ``repr``.

    Inside ``with pool.lease(...)`` the caller may say how the call went: ``set_usage`` for
    token counts, or ``observe(response)`` for an HTTP response (status, retry delay, usage).
    """

    __slots__ = ("lease_id", "key_id", "provider", "base_url", "masked_key", "expires_at", "waited", "fallback",
                 "_api_key", "usage", "observed", "answer", "result", "reported")

    def __init__(self, *, lease_id: str, key_id: str, api_key: str, provider: str, base_url: Optional[str],
                 masked_key: str, expires_at: Optional[float], waited: float, fallback: bool = False):
        self.lease_id = lease_id
        self.key_id = key_id
        self._api_key = api_key
        self.provider = provider
        self.base_url = base_url
        self.masked_key = masked_key
        self.expires_at = expires_at
        self.waited = waited
        self.fallback = fallback
        self.usage: Optional[TokenUsage] = None
        self.observed: Optional[CallOutcome] = None
        #: The rate-limit headers (and an error's body prefix) of the response ``observe`` saw.
        self.answer: Optional[ProviderAnswer] = None
        self.result: Optional[ReportResult] = None
        self.reported = False

    @property
    def api_key(self) -> str:
        """The provider secret."""
        return self._api_key

    def set_usage(self, prompt_tokens: Optional[int] = None, completion_tokens: Optional[int] = None) -> None:
        """Token counts to report when the ``with`` block ends."""
        self.usage = TokenUsage(prompt_tokens, completion_tokens)

    def observe(self, response: Any) -> Any:
        """Records an HTTP response (httpx, requests) or an SDK result: its outcome and its usage,
        and of a response its rate-limit headers and, for an error, the start of its body, which
        the report passes on. Returns it, so that it can wrap the call."""
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            try:
                body = parse_body(response.content)
            except Exception:  # a streamed body not read: judge by status and headers
                body = None
            self.observed = outcome_from_http(status, getattr(response, "headers", None), body, [self._api_key])
            self.answer = answer_of(response)
            usage = usage_from_body(body) if self.observed.outcome == "success" else None
        else:
            usage = usage_from_body(response)
        if usage is not None:
            self.usage = usage
        return response

    def __repr__(self) -> str:
        return "Lease(lease_id=%r, key_id=%r, provider=%r, masked_key=%r, fallback=%r)" % (
            self.lease_id, self.key_id, self.provider, self.masked_key, self.fallback)


def fallback_lease(provider: str, key: FallbackKey) -> Lease:
    # Like the broker's masking: at most the last four characters, none of a short key.
    masked = "…" + key.api_key[-4:] if len(key.api_key) >= 12 else "…"
    return Lease(lease_id="", key_id="fallback", api_key=key.api_key, provider=provider, base_url=key.base_url,
                 masked_key=masked, expires_at=None, waited=0.0, fallback=True)

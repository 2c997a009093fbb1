"""keypool client: lease LLM provider keys from the keypool sidecar, report how calls went,
and balance httpx-based SDKs (OpenAI, Anthropic, ...) over the pool.

    pool = KeyPool("127.0.0.1:50051")
    with pool.lease("openai", estimated_tokens=800) as lease:
        client = OpenAI(api_key=lease.api_key, base_url=lease.base_url)
        ...
"""

from .aio import AsyncKeyPool
from .client import DEFAULT_TARGET, KeyPool
from .errors import KeyPoolError, KeyPoolUnavailableError
from .lease import FallbackKey, Lease, ReportResult
from .outcomes import OUTCOMES, CallOutcome, outcome_from_exception, outcome_from_http
from .transport import KEY_ID_EXTENSION, AsyncKeyPoolTransport, KeyPoolTransport
from .usage import SseUsageTracker, TokenUsage, usage_from_body

__all__ = [
    "AsyncKeyPool",
    "AsyncKeyPoolTransport",
    "CallOutcome",
    "DEFAULT_TARGET",
    "FallbackKey",
    "KEY_ID_EXTENSION",
    "KeyPool",
    "KeyPoolError",
    "KeyPoolTransport",
    "KeyPoolUnavailableError",
    "Lease",
    "OUTCOMES",
    "ReportResult",
    "SseUsageTracker",
    "TokenUsage",
    "outcome_from_exception",
    "outcome_from_http",
    "usage_from_body",
]
__version__ = "0.1.0"

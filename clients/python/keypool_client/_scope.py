"""What the end of a ``with pool.lease(...)`` block reports."""

import time
import warnings
from typing import Callable, Optional

from .errors import KeyPoolError
from .lease import Lease
from .outcomes import CallOutcome, outcome_from_exception
from .rate_limit_headers import ProviderAnswer, answer_of

OnReportError = Callable[[KeyPoolError, Lease], None]


def exit_outcome(lease: Lease, exc: Optional[BaseException]) -> CallOutcome:
    """Success (or what ``lease.observe`` saw) without an exception; else the exception's outcome."""
    if exc is None:
        return lease.observed or CallOutcome("success")
    return outcome_from_exception(exc, [lease.api_key])


def exit_answer(lease: Lease, exc: Optional[BaseException]) -> Optional[ProviderAnswer]:
    """What ``lease.observe`` saw of the provider's answer, or the answer an escaping HTTP error
    carries (httpx ``HTTPStatusError``, the SDKs' ``APIStatusError``)."""
    response = getattr(exc, "response", None) if exc is not None else None
    if isinstance(getattr(response, "status_code", None), int):
        return answer_of(response)
    return lease.answer


class ReportErrorHandler:
    """Reports made on the caller's behalf never raise: a failure goes to the hook, or becomes a
    warning at most every ten seconds (a sidecar that is down must not flood the log)."""

    def __init__(self, hook: Optional[OnReportError]):
        self._hook = hook
        self._last = float("-inf")

    def __call__(self, error: KeyPoolError, lease: Lease) -> None:
        if self._hook is not None:
            self._hook(error, lease)
            return
        now = time.monotonic()
        if now - self._last >= 10:
            self._last = now
            warnings.warn("keypool: the report for key %s was not delivered: %s" % (lease.key_id, error), RuntimeWarning, stacklevel=3)

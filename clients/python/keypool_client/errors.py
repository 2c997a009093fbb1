"""Errors of calls to the keypool sidecar."""

from typing import Optional

import grpc

# Codes meaning the sidecar itself is not there, rather than that it answered.
_UNREACHABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


class KeyPoolError(Exception):
    """A call to the sidecar failed. ``code`` is the gRPC status; ``retry_after`` (seconds) is set
    when the pool is busy (RESOURCE_EXHAUSTED)."""

    def __init__(self, code: grpc.StatusCode, details: str, message: str, retry_after: Optional[float] = None):
        super().__init__(message)
        self.code = code
        self.code_name = code.name
        self.details = details
        self.retry_after = retry_after


class KeyPoolUnavailableError(KeyPoolError):
    """The sidecar could not be reached or did not answer in time. The client fails closed with
    this error unless a fallback key is configured."""


def to_keypool_error(err: grpc.RpcError, method: str, target: str) -> KeyPoolError:
    """The client's error for a failed gRPC call of ``method`` to ``target``."""
    code = err.code() if callable(getattr(err, "code", None)) else grpc.StatusCode.UNKNOWN
    details = (err.details() if callable(getattr(err, "details", None)) else None) or str(err)
    if code in _UNREACHABLE:
        return KeyPoolUnavailableError(
            code, details, "keypool sidecar at %s is unavailable: %s failed with %s (%s)" % (target, method, code.name, details)
        )
    retry_after = _retry_after_ms(err) if code == grpc.StatusCode.RESOURCE_EXHAUSTED else None
    wait = "" if retry_after is None else "; retry in %d ms" % round(retry_after * 1000)
    return KeyPoolError(code, details, "keypool %s failed with %s: %s%s" % (method, code.name, details, wait), retry_after)


def _retry_after_ms(err: grpc.RpcError) -> Optional[float]:
    """The delay from the ``retry-after-ms`` trailer the server sends beside google.rpc.RetryInfo."""
    trailing = getattr(err, "trailing_metadata", None)
    for key, value in (trailing() if callable(trailing) else None) or ():
        if key == "retry-after-ms":
            try:
                return float(value) / 1000.0
            except ValueError:
                return None
    return None

"""The synchronous client (grpcio)."""

import time
from typing import Any, Callable, Iterable, Iterator, Optional, Union

import grpc

from . import _convert
from ._scope import OnReportError, ReportErrorHandler, exit_answer, exit_outcome
from .errors import KeyPoolError, KeyPoolUnavailableError, to_keypool_error
from .gen.keypool.v1 import keypool_pb2 as pb
from .gen.keypool.v1.keypool_pb2_grpc import KeyPoolServiceStub
from .lease import FallbackKey, Lease, ReportResult, fallback_lease
from .rate_limit_headers import ProviderAnswer

DEFAULT_TARGET = "127.0.0.1:50051"

Fallback = Union[FallbackKey, Callable[[str], Optional[FallbackKey]], None]

# A local sidecar that restarts is found again within a second or two, not after grpc's
# default reconnect backoff of up to two minutes.
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 100), ("grpc.max_reconnect_backoff_ms", 2000)]


class KeyPool:
    """Client of the keypool sidecar: lease keys, report how calls went, watch statistics, reload.

    Without ``fallback`` it fails closed: when the sidecar cannot be reached, ``acquire`` raises
    KeyPoolUnavailableError at once (calls never wait for a ready channel; timeouts in seconds
    bound a sidecar that hangs). With ``fallback`` that key is leased instead; a pool that
    answers "busy" is never bypassed.
    """

    def __init__(self, target: str = DEFAULT_TARGET, *, token: Optional[str] = None,
                 credentials: Optional[grpc.ChannelCredentials] = None, acquire_timeout: float = 2.0,
                 report_timeout: float = 2.0, reload_timeout: float = 10.0, client_id: str = "",
                 fallback: Fallback = None, on_report_error: Optional[OnReportError] = None,
                 channel_options: Iterable = ()):
        self.target = target
        options = CHANNEL_OPTIONS + list(channel_options)
        self._channel = grpc.secure_channel(target, credentials, options) if credentials else grpc.insecure_channel(target, options)
        self._stub = KeyPoolServiceStub(self._channel)
        self._metadata = (("authorization", "Bearer " + token),) if token else None
        self._acquire_timeout = acquire_timeout
        self._report_timeout = report_timeout
        self._reload_timeout = reload_timeout
        self._client_id = client_id
        self._fallback = fallback
        self.report_error = ReportErrorHandler(on_report_error)

    def acquire(self, provider: str, *, model: str = "", estimated_tokens: int = 0, max_wait: float = 0.0,
                lease_ttl: Optional[float] = None) -> Lease:
        """Leases a key of ``provider``. Raises KeyPoolError (RESOURCE_EXHAUSTED with
        ``retry_after`` when every key is busy past ``max_wait`` seconds) or KeyPoolUnavailableError."""
        req = _convert.acquire_request(provider, model, estimated_tokens, max_wait, lease_ttl, self._client_id)
        try:
            res = self._stub.AcquireKey(req, timeout=max_wait + self._acquire_timeout, metadata=self._metadata, wait_for_ready=False)
        except grpc.RpcError as err:
            error = to_keypool_error(err, "AcquireKey", self.target)
            fallback = self._fallback_for(provider) if isinstance(error, KeyPoolUnavailableError) else None
            if fallback is not None:
                return fallback_lease(provider, fallback)
            raise error from None
        return _convert.lease_from(res)

    def report(self, lease: Lease, *, outcome: Optional[str] = None, http_status: int = 0,
               prompt_tokens: Optional[int] = None, completion_tokens: Optional[int] = None,
               latency: Optional[float] = None, retry_after: Optional[float] = None,
               error_message: Optional[str] = None, response_headers: Any = None,
               error_body: Optional[bytes] = None) -> Optional[ReportResult]:
        """Ends a lease with how the call went (``outcome`` a name such as ``"rate_limited"``, or
        None to derive it from ``http_status``; durations in seconds). None for a fallback lease."""
        lease.reported = True
        if lease.fallback:
            return None
        req = _convert.report_request(lease, outcome, http_status, prompt_tokens, completion_tokens, latency, retry_after, error_message,
                                      response_headers, error_body)
        try:
            res = self._stub.ReportUsage(req, timeout=self._report_timeout, metadata=self._metadata, wait_for_ready=False)
        except grpc.RpcError as err:
            raise to_keypool_error(err, "ReportUsage", self.target) from None
        lease.result = _convert.report_result(res)
        return lease.result

    def lease(self, provider: str, **acquire_options) -> "LeaseScope":
        """``with pool.lease("openai", estimated_tokens=800) as lease:`` — reports success when the
        block ends, or the outcome of the exception that escapes it (which still propagates)."""
        return LeaseScope(self, provider, acquire_options)

    def stats(self, providers: Iterable[str] = (), interval: Optional[float] = None) -> Iterator[pb.StreamStatsResponse]:
        """Statistics snapshots: one at once, then one every ``interval`` seconds, until the loop ends."""
        call = self._stub.StreamStats(_convert.stats_request(providers, interval), metadata=self._metadata, wait_for_ready=False)
        try:
            for snapshot in call:
                yield snapshot
        except grpc.RpcError as err:
            raise to_keypool_error(err, "StreamStats", self.target) from None
        finally:
            call.cancel()

    def reload(self, config_json: str = "") -> pb.ReloadConfigResponse:
        """Re-reads the sidecar's configuration sources, or applies ``config_json``."""
        try:
            return self._stub.ReloadConfig(pb.ReloadConfigRequest(config_json=config_json), timeout=self._reload_timeout,
                                           metadata=self._metadata, wait_for_ready=False)
        except grpc.RpcError as err:
            raise to_keypool_error(err, "ReloadConfig", self.target) from None

    def finish(self, lease: Lease, outcome, usage=None, latency: Optional[float] = None,
               answer: Optional[ProviderAnswer] = None) -> None:
        """Reports on the caller's behalf and never raises (see ``on_report_error``)."""
        try:
            self.report(lease, outcome=outcome.outcome, http_status=outcome.http_status or 0,
                        prompt_tokens=usage.prompt_tokens if usage else None,
                        completion_tokens=usage.completion_tokens if usage else None,
                        latency=latency, retry_after=outcome.retry_after, error_message=outcome.error_message,
                        response_headers=answer.headers if answer else None, error_body=answer.error_body if answer else None)
        except KeyPoolError as error:
            self.report_error(error, lease)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "KeyPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _fallback_for(self, provider: str) -> Optional[FallbackKey]:
        return self._fallback(provider) if callable(self._fallback) else self._fallback


class LeaseScope:
    """The context manager behind ``KeyPool.lease``."""

    def __init__(self, pool: KeyPool, provider: str, options: dict):
        self._pool, self._provider, self._options = pool, provider, options
        self._lease: Optional[Lease] = None
        self._started = 0.0

    def __enter__(self) -> Lease:
        self._lease = self._pool.acquire(self._provider, **self._options)
        self._started = time.monotonic()
        return self._lease

    def __exit__(self, exc_type, exc, tb) -> bool:
        lease = self._lease
        if lease is not None and not lease.reported:
            self._pool.finish(lease, exit_outcome(lease, exc), lease.usage, time.monotonic() - self._started, exit_answer(lease, exc))
        return False

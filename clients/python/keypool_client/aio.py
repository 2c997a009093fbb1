"""The asyncio client (grpc.aio): the same API as KeyPool, awaited."""

import time
from typing import Any, AsyncIterator, Iterable, Optional

import grpc
import grpc.aio

from . import _convert
from ._scope import OnReportError, ReportErrorHandler, exit_answer, exit_outcome
from .client import CHANNEL_OPTIONS, DEFAULT_TARGET, Fallback
from .errors import KeyPoolError, KeyPoolUnavailableError, to_keypool_error
from .gen.keypool.v1 import keypool_pb2 as pb
from .gen.keypool.v1.keypool_pb2_grpc import KeyPoolServiceStub
from .lease import FallbackKey, Lease, ReportResult, fallback_lease
from .rate_limit_headers import ProviderAnswer


class AsyncKeyPool:
    """asyncio client of the keypool sidecar; see KeyPool for the behaviour. Create it inside
    the event loop that uses it."""

    def __init__(self, target: str = DEFAULT_TARGET, *, token: Optional[str] = None,
                 credentials: Optional[grpc.ChannelCredentials] = None, acquire_timeout: float = 2.0,
                 report_timeout: float = 2.0, reload_timeout: float = 10.0, client_id: str = "",
                 fallback: Fallback = None, on_report_error: Optional[OnReportError] = None,
                 channel_options: Iterable = ()):
        self.target = target
        options = CHANNEL_OPTIONS + list(channel_options)
        self._channel = grpc.aio.secure_channel(target, credentials, options) if credentials else grpc.aio.insecure_channel(target, options)
        self._stub = KeyPoolServiceStub(self._channel)
        self._metadata = (("authorization", "Bearer " + token),) if token else None
        self._acquire_timeout = acquire_timeout
        self._report_timeout = report_timeout
        self._reload_timeout = reload_timeout
        self._client_id = client_id
        self._fallback = fallback
        self.report_error = ReportErrorHandler(on_report_error)

    async def acquire(self, provider: str, *, model: str = "", estimated_tokens: int = 0, max_wait: float = 0.0,
                      lease_ttl: Optional[float] = None) -> Lease:
        req = _convert.acquire_request(provider, model, estimated_tokens, max_wait, lease_ttl, self._client_id)
        try:
            res = await self._stub.AcquireKey(req, timeout=max_wait + self._acquire_timeout, metadata=self._metadata, wait_for_ready=False)
        except grpc.RpcError as err:
            error = to_keypool_error(err, "AcquireKey", self.target)
            fallback = self._fallback_for(provider) if isinstance(error, KeyPoolUnavailableError) else None
            if fallback is not None:
                return fallback_lease(provider, fallback)
            raise error from None
        return _convert.lease_from(res)

    async def report(self, lease: Lease, *, outcome: Optional[str] = None, http_status: int = 0,
                     prompt_tokens: Optional[int] = None, completion_tokens: Optional[int] = None,
                     latency: Optional[float] = None, retry_after: Optional[float] = None,
                     error_message: Optional[str] = None, response_headers: Any = None,
                     error_body: Optional[bytes] = None) -> Optional[ReportResult]:
        lease.reported = True
        if lease.fallback:
            return None
        req = _convert.report_request(lease, outcome, http_status, prompt_tokens, completion_tokens, latency, retry_after, error_message,
                                      response_headers, error_body)
        try:
            res = await self._stub.ReportUsage(req, timeout=self._report_timeout, metadata=self._metadata, wait_for_ready=False)
        except grpc.RpcError as err:
            raise to_keypool_error(err, "ReportUsage", self.target) from None
        lease.result = _convert.report_result(res)
        return lease.result

    def lease(self, provider: str, **acquire_options) -> "AsyncLeaseScope":
        """``async with pool.lease("openai") as lease:`` — see KeyPool.lease."""
        return AsyncLeaseScope(self, provider, acquire_options)

    async def stats(self, providers: Iterable[str] = (), interval: Optional[float] = None) -> AsyncIterator[pb.StreamStatsResponse]:
        call = self._stub.StreamStats(_convert.stats_request(providers, interval), metadata=self._metadata, wait_for_ready=False)
        try:
            async for snapshot in call:
                yield snapshot
        except grpc.RpcError as err:
            raise to_keypool_error(err, "StreamStats", self.target) from None
        finally:
            call.cancel()

    async def reload(self, config_json: str = "") -> pb.ReloadConfigResponse:
        try:
            return await self._stub.ReloadConfig(pb.ReloadConfigRequest(config_json=config_json), timeout=self._reload_timeout,
                                                 metadata=self._metadata, wait_for_ready=False)
        except grpc.RpcError as err:
            raise to_keypool_error(err, "ReloadConfig", self.target) from None

    async def finish(self, lease: Lease, outcome, usage=None, latency: Optional[float] = None,
                     answer: Optional[ProviderAnswer] = None) -> None:
        try:
            await self.report(lease, outcome=outcome.outcome, http_status=outcome.http_status or 0,
                              prompt_tokens=usage.prompt_tokens if usage else None,
                              completion_tokens=usage.completion_tokens if usage else None,
                              latency=latency, retry_after=outcome.retry_after, error_message=outcome.error_message,
                              response_headers=answer.headers if answer else None, error_body=answer.error_body if answer else None)
        except KeyPoolError as error:
            self.report_error(error, lease)

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> "AsyncKeyPool":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def _fallback_for(self, provider: str) -> Optional[FallbackKey]:
        return self._fallback(provider) if callable(self._fallback) else self._fallback


class AsyncLeaseScope:
    """The async context manager behind ``AsyncKeyPool.lease``."""

    def __init__(self, pool: AsyncKeyPool, provider: str, options: dict):
        self._pool, self._provider, self._options = pool, provider, options
        self._lease: Optional[Lease] = None
        self._started = 0.0

    async def __aenter__(self) -> Lease:
        self._lease = await self._pool.acquire(self._provider, **self._options)
        self._started = time.monotonic()
        return self._lease

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        lease = self._lease
        if lease is not None and not lease.reported:
            await self._pool.finish(lease, exit_outcome(lease, exc), lease.usage, time.monotonic() - self._started, exit_answer(lease, exc))
        return False

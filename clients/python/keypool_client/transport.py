"""httpx transports that lease a key per request: ``KeyPoolTransport`` and ``AsyncKeyPoolTransport``.
Each report carries the answer's rate-limit headers and, for an error, the first 8 KiB of its body.

``OpenAI(api_key="unused", http_client=httpx.Client(transport=KeyPoolTransport(pool, "openai")))``
balances every call of the SDK over the pool, as ``pool.fetch`` does in TypeScript.
"""

import time
from typing import Optional, Union

import httpx

from ._metering import UsageTap
from .aio import AsyncKeyPool
from .client import KeyPool
from .errors import KeyPoolError
from .lease import Lease
from .outcomes import CallOutcome, outcome_from_exception, outcome_from_http, parse_body
from .provider_api import DEFAULT_BASE_URLS, api_for_provider, credential_headers, key_headers, request_facts, rewrite_url
from .rate_limit_headers import ProviderAnswer, answer_of

#: Response extension naming the key id that served a request (safe to log).
KEY_ID_EXTENSION = "keypool_key_id"


class _Plan:
    """What both transports share: where the key goes, which URL, how to read the answer."""

    def __init__(self, provider: str, api: Optional[str], sdk_base_url: Optional[str], model: Optional[str],
                 estimated_tokens: Optional[int], max_wait: float, retry_rate_limited: bool):
        self.provider = provider
        self.api = api or api_for_provider(provider)
        self.sdk_base_url = sdk_base_url if sdk_base_url is not None else DEFAULT_BASE_URLS[self.api]
        self.model, self.estimated_tokens = model, estimated_tokens
        self.max_wait, self.retry = max_wait, retry_rate_limited

    def acquire_options(self, request: httpx.Request, body: bytes) -> dict:
        facts = request_facts(str(request.url), body)
        model = self.model if self.model is not None else facts.model
        tokens = self.estimated_tokens if self.estimated_tokens is not None else facts.estimated_tokens
        return {"model": model or "", "estimated_tokens": tokens, "max_wait": self.max_wait}

    def outgoing(self, request: httpx.Request, lease: Lease, body: bytes) -> httpx.Request:
        url = httpx.URL(rewrite_url(str(request.url), lease.base_url, self.sdk_base_url))
        if self.api == "gemini":
            url = url.copy_remove_param("key")
        drop = set(credential_headers()) | {"host", "content-length"}
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in drop]
        headers += list(key_headers(self.api, lease.api_key).items())
        # The usage tap decodes gzip and deflate only; br or zstd would hide the token counts.
        headers = [(k, "gzip, deflate") if k.lower() == "accept-encoding" else (k, v) for k, v in headers]
        return httpx.Request(request.method, url, headers=headers, content=body, extensions=request.extensions)

    def error_outcome(self, response: httpx.Response, lease: Lease) -> CallOutcome:
        return outcome_from_http(response.status_code, response.headers, parse_body(response.content), [lease.api_key])


def _busy_response(err: KeyPoolError, request: httpx.Request) -> httpx.Response:
    """Every key is busy: a 429 with the pool's retry delay, so that an SDK's own retry waits
    exactly until the pool has room; ``x-keypool-refused`` tells it from a provider's 429."""
    retry_ms = max(0, round((err.retry_after if err.retry_after is not None else 1.0) * 1000))
    headers = {"retry-after-ms": str(retry_ms), "retry-after": str(-(-retry_ms // 1000)), "x-keypool-refused": err.code_name}
    body = {"error": {"message": "keypool: " + err.details, "type": "keypool_pool_busy", "code": err.code_name}}
    return httpx.Response(429, headers=headers, json=body, request=request)


def _closed(tap: UsageTap):
    """The outcome and usage of a response its caller closed: a success once the provider's
    terminal event went by (SDKs stop reading there), otherwise a cancellation."""
    if tap.complete:
        return CallOutcome("success"), tap.final()
    return CallOutcome("cancelled", error_message="response closed before its end"), tap.partial()


def _limited(outcome: CallOutcome) -> bool:
    return outcome.outcome in ("rate_limited", "quota_exhausted")


class KeyPoolTransport(httpx.BaseTransport):
    """Per request: lease a key, put it where the provider expects it (replacing the SDK's
    placeholder), send to the key's base URL, report status, retry delay, latency and token
    usage (JSON and SSE, read as the caller reads). A 429 is retried once with another key.
    The request body is buffered so that it can be sent twice."""

    def __init__(self, pool: KeyPool, provider: str, *, api: Optional[str] = None, sdk_base_url: Optional[str] = None,
                 model: Optional[str] = None, estimated_tokens: Optional[int] = None, max_wait: float = 0.0,
                 retry_rate_limited: bool = True, transport: Optional[httpx.BaseTransport] = None):
        self._pool = pool
        self._plan = _Plan(provider, api, sdk_base_url, model, estimated_tokens, max_wait, retry_rate_limited)
        self._inner = transport or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        plan = self._plan
        body = request.read()
        options = plan.acquire_options(request, body)
        try:
            lease = self._pool.acquire(plan.provider, **options)
        except KeyPoolError as err:
            if err.code_name == "RESOURCE_EXHAUSTED":
                return _busy_response(err, request)
            raise
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = self._inner.handle_request(plan.outgoing(request, lease, body))
            except Exception as exc:
                self._finish(lease, outcome_from_exception(exc, [lease.api_key]), None, started)
                raise
            response.extensions = {**response.extensions, KEY_ID_EXTENSION: lease.key_id}
            if lease.fallback:
                return response
            if 200 <= response.status_code < 300:
                return self._metered(response, lease, started)
            response.read()
            outcome = plan.error_outcome(response, lease)
            self._finish(lease, outcome, None, started, answer=answer_of(response))
            if not (_limited(outcome) and plan.retry and attempt == 0):
                return response
            attempt += 1
            try:
                # The reported 429 cools that key down, so the pool hands out another one.
                lease = self._pool.acquire(plan.provider, **options)
            except KeyPoolError:
                return response

    def _metered(self, response: httpx.Response, lease: Lease, started: float) -> httpx.Response:
        tap = UsageTap(response.headers.get("content-type", ""), response.headers.get("content-encoding", ""))
        answer = answer_of(response)
        stream = _MeteredStream(response.stream, tap, lambda outcome, usage: self._finish(lease, outcome, usage, started, response.status_code, answer))
        return httpx.Response(response.status_code, headers=response.headers, stream=stream, extensions=response.extensions)

    def _finish(self, lease: Lease, outcome: CallOutcome, usage, started: float, status: Optional[int] = None,
                answer: Optional[ProviderAnswer] = None) -> None:
        if not lease.fallback:
            if status is not None and outcome.http_status is None:
                outcome = CallOutcome(outcome.outcome, status, outcome.retry_after, outcome.error_message)
            self._pool.finish(lease, outcome, usage, time.monotonic() - started, answer)

    def close(self) -> None:
        self._inner.close()


class _MeteredStream(httpx.SyncByteStream):
    """Passes the body through as the caller reads it; reports once at its end, failure or close."""

    def __init__(self, inner, tap: UsageTap, settle):
        self._inner, self._tap, self._settle, self._done = inner, tap, settle, False

    def __iter__(self):
        try:
            for chunk in self._inner:
                self._tap.push(chunk)
                yield chunk
        except GeneratorExit:
            raise
        except Exception as exc:
            self._end(outcome_from_exception(exc), self._tap.partial())
            raise
        self._end(CallOutcome("success"), self._tap.final())

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._end(*_closed(self._tap))

    def _end(self, outcome: CallOutcome, usage) -> None:
        if not self._done:
            self._done = True
            self._settle(outcome, usage)


class AsyncKeyPoolTransport(httpx.AsyncBaseTransport):
    """The asyncio twin of KeyPoolTransport, over an AsyncKeyPool."""

    def __init__(self, pool: AsyncKeyPool, provider: str, *, api: Optional[str] = None, sdk_base_url: Optional[str] = None,
                 model: Optional[str] = None, estimated_tokens: Optional[int] = None, max_wait: float = 0.0,
                 retry_rate_limited: bool = True, transport: Optional[httpx.AsyncBaseTransport] = None):
        self._pool = pool
        self._plan = _Plan(provider, api, sdk_base_url, model, estimated_tokens, max_wait, retry_rate_limited)
        self._inner = transport or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        plan = self._plan
        body = await request.aread()
        options = plan.acquire_options(request, body)
        try:
            lease = await self._pool.acquire(plan.provider, **options)
        except KeyPoolError as err:
            if err.code_name == "RESOURCE_EXHAUSTED":
                return _busy_response(err, request)
            raise
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = await self._inner.handle_async_request(plan.outgoing(request, lease, body))
            except Exception as exc:
                await self._finish(lease, outcome_from_exception(exc, [lease.api_key]), None, started)
                raise
            response.extensions = {**response.extensions, KEY_ID_EXTENSION: lease.key_id}
            if lease.fallback:
                return response
            if 200 <= response.status_code < 300:
                return self._metered(response, lease, started)
            await response.aread()
            outcome = plan.error_outcome(response, lease)
            await self._finish(lease, outcome, None, started, answer=answer_of(response))
            if not (_limited(outcome) and plan.retry and attempt == 0):
                return response
            attempt += 1
            try:
                lease = await self._pool.acquire(plan.provider, **options)
            except KeyPoolError:
                return response

    def _metered(self, response: httpx.Response, lease: Lease, started: float) -> httpx.Response:
        tap = UsageTap(response.headers.get("content-type", ""), response.headers.get("content-encoding", ""))

        answer = answer_of(response)

        async def settle(outcome: CallOutcome, usage) -> None:
            await self._finish(lease, outcome, usage, started, response.status_code, answer)

        stream = _AsyncMeteredStream(response.stream, tap, settle)
        return httpx.Response(response.status_code, headers=response.headers, stream=stream, extensions=response.extensions)

    async def _finish(self, lease: Lease, outcome: CallOutcome, usage, started: float, status: Optional[int] = None,
                      answer: Optional[ProviderAnswer] = None) -> None:
        if not lease.fallback:
            if status is not None and outcome.http_status is None:
                outcome = CallOutcome(outcome.outcome, status, outcome.retry_after, outcome.error_message)
            await self._pool.finish(lease, outcome, usage, time.monotonic() - started, answer)

    async def aclose(self) -> None:
        await self._inner.aclose()


class _AsyncMeteredStream(httpx.AsyncByteStream):
    def __init__(self, inner, tap: UsageTap, settle):
        self._inner, self._tap, self._settle, self._done = inner, tap, settle, False

    async def __aiter__(self):
        try:
            async for chunk in self._inner:
                self._tap.push(chunk)
                yield chunk
        except GeneratorExit:
            raise
        except Exception as exc:
            await self._end(outcome_from_exception(exc), self._tap.partial())
            raise
        await self._end(CallOutcome("success"), self._tap.final())

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            await self._end(*_closed(self._tap))

    async def _end(self, outcome: CallOutcome, usage) -> None:
        if not self._done:
            self._done = True
            await self._settle(outcome, usage)


Transport = Union[KeyPoolTransport, AsyncKeyPoolTransport]

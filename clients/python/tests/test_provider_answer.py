"""Reports carry the provider's rate-limit headers and an error's body prefix to the sidecar.

What the sidecar read of them is checked by test/python/python-client.test.ts in its debug log;
here the calls are made and their reports must be accepted."""

import asyncio

import httpx
import pytest

from keypool_client import AsyncKeyPool, AsyncKeyPoolTransport, KeyPool, KeyPoolTransport
from keypool_client.rate_limit_headers import MAX_ERROR_BODY_BYTES, answer_of, rate_limit_headers

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "how much is left?"}]}
GEMINI = {"contents": [{"parts": [{"text": "hi"}]}]}


def test_only_allow_listed_headers_and_an_error_body_prefix_are_taken():
    answer = answer_of(httpx.Response(429, headers={"X-RateLimit-Remaining-Tokens": "0", "Set-Cookie": "s=secret", "retry-after": "3"},
                                      content=b"{" + b" " * 9000 + b"}"))
    assert answer.headers == {"x-ratelimit-remaining-tokens": "0", "retry-after": "3"}
    assert len(answer.error_body) == MAX_ERROR_BODY_BYTES
    assert answer_of(httpx.Response(200, headers={"anthropic-ratelimit-requests-limit": "5"}, content=b"{}")).error_body == b""
    assert rate_limit_headers({"openai-organization": "org-x", "x-request-id": "r"}) == {}


def test_the_sync_transport_reports_openai_headers(target):
    with KeyPool(target) as pool:
        with httpx.Client(transport=KeyPoolTransport(pool, "answer"), base_url="https://api.openai.com/v1") as client:
            response = client.post("/chat/completions", json=CHAT)
            assert response.status_code == 200
            assert response.headers["x-ratelimit-limit-requests"] == "30"
            response.json()


def test_the_async_transport_reports_anthropic_headers(target):
    async def main():
        async with AsyncKeyPool(target) as pool:
            transport = AsyncKeyPoolTransport(pool, "anthropic")
            async with httpx.AsyncClient(transport=transport, base_url="https://api.anthropic.com") as client:
                body = {"model": "claude-sim", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
                response = await client.post("/v1/messages", json=body, headers={"anthropic-version": "2023-06-01"})
                assert response.status_code == 200
                assert response.headers["anthropic-ratelimit-requests-limit"] == "20"

    asyncio.run(main())


def gemini_call(lease):
    url = lease.base_url + "/v1beta/models/gemini-2.5-pro:generateContent"
    return httpx.post(url, json=GEMINI, headers={"x-goog-api-key": lease.api_key})


def test_lease_observe_reports_a_gemini_429_body(target):
    with KeyPool(target) as pool:
        with pool.lease("google") as lease:
            assert lease.observe(gemini_call(lease)).status_code == 200
        with pool.lease("google") as lease:
            refused = lease.observe(gemini_call(lease))
        assert refused.status_code == 429
        assert "QuotaFailure" in refused.text
        assert lease.answer is not None and b"PerDay" in lease.answer.error_body
        assert lease.result.outcome == "quota_exhausted"


def test_an_escaping_http_error_reports_its_gemini_429_body(target):
    with KeyPool(target) as pool:
        with pool.lease("gemini") as lease:
            gemini_call(lease).raise_for_status()
        with pytest.raises(httpx.HTTPStatusError):
            with pool.lease("gemini") as lease:
                gemini_call(lease).raise_for_status()
        assert lease.result.outcome == "quota_exhausted"

"""Streams read the way the official SDKs read them: event by event up to the provider's
terminal event, then the response is closed without reading on to the end of the connection.
Such a call is complete, and the statistics must count it as a success."""

import httpx
import pytest

from keypool_client import KeyPool, KeyPoolTransport

CALLS = 3
COMPLETION_TOKENS = 5  # the simulator's completionTokens in test/python/python-client.test.ts

OPENAI_CHAT = ("https://api.openai.com/v1", "/chat/completions",
               {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "12345678"}],
                "stream": True, "stream_options": {"include_usage": True}})
ANTHROPIC_MESSAGES = ("https://api.anthropic.com", "/v1/messages",
                      {"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": True,
                       "messages": [{"role": "user", "content": "12345678"}]})
GEMINI_STREAM = ("https://generativelanguage.googleapis.com",
                 "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                 {"contents": [{"role": "user", "parts": [{"text": "12345678"}]}]})


def sse_events(response: httpx.Response):
    """(event name, data) per event, as the SDKs' SSE decoders split them."""
    name, data = None, []
    for line in response.iter_lines():
        line = line.rstrip("\r\n")  # httpx before 0.24 keeps the line ending
        if line == "":
            if data:
                yield name, "\n".join(data)
            name, data = None, []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))


def read_like_an_sdk(client: httpx.Client, path: str, body: dict, last) -> int:
    """Iterates events until ``last(name, data)`` says the answer is complete, then closes the
    response there, as openai's ``Stream`` does at ``[DONE]``; returns the events read."""
    response = client.send(client.build_request("POST", path, json=body), stream=True)
    try:
        assert response.status_code == 200
        count = 0
        for name, data in sse_events(response):
            count += 1
            if last(name, data):
                return count
        raise AssertionError("the stream ended without its terminal event")
    finally:
        response.close()


def provider_stats(pool: KeyPool, name: str):
    return next(p for p in next(iter(pool.stats(providers=[name]))).providers if p.provider == name)


@pytest.mark.parametrize("provider, api, call, last", [
    ("sdkopenai", "openai", OPENAI_CHAT, lambda name, data: data.startswith("[DONE]")),
    ("sdkanthropic", "anthropic", ANTHROPIC_MESSAGES, lambda name, data: name == "message_stop"),
    ("sdkgemini", "gemini", GEMINI_STREAM, lambda name, data: '"finishReason"' in data),
])
def test_a_stream_closed_at_its_terminal_event_counts_as_a_success(target, provider, api, call, last):
    base_url, path, body = call
    with KeyPool(target) as pool, httpx.Client(transport=KeyPoolTransport(pool, provider, api=api), base_url=base_url,
                                               headers={"anthropic-version": "2023-06-01"}) as client:
        for _ in range(CALLS):
            assert read_like_an_sdk(client, path, body, last) > 1
        stats = provider_stats(pool, provider)
        assert (stats.requests_total, stats.successes_total, stats.errors_total) == (CALLS, CALLS, 0)
        assert stats.completion_tokens_total == CALLS * COMPLETION_TOKENS


def test_a_stream_closed_before_its_terminal_event_is_cancelled(target):
    base_url, path, body = OPENAI_CHAT
    with KeyPool(target) as pool, httpx.Client(transport=KeyPoolTransport(pool, "sdkcut"), base_url=base_url) as client:
        assert read_like_an_sdk(client, path, body, lambda name, data: True) == 1
        stats = provider_stats(pool, "sdkcut")
        assert (stats.requests_total, stats.successes_total) == (1, 0)
        assert [dict(key.errors_by_outcome) for key in stats.keys] == [{"cancelled": 1}]


def test_the_openai_sdk_streamed_call_counts_as_a_success(target):
    openai = pytest.importorskip("openai", reason="the OpenAI Python SDK is not installed (not a Debian 12 package)")
    with KeyPool(target) as pool:
        client = openai.OpenAI(api_key="unused", http_client=httpx.Client(transport=KeyPoolTransport(pool, "sdkreal")))
        for _ in range(CALLS):
            stream = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "12345678"}],
                                                    stream=True, stream_options={"include_usage": True})
            assert [c.usage.completion_tokens for c in stream if c.usage is not None] == [COMPLETION_TOKENS]
        stats = provider_stats(pool, "sdkreal")
        assert (stats.requests_total, stats.successes_total, stats.errors_total) == (CALLS, CALLS, 0)
        assert stats.completion_tokens_total == CALLS * COMPLETION_TOKENS

"""The parts that need no server: outcomes, usage, SSE, retry delays, URLs."""

import gzip

import pytest

from keypool_client import SseUsageTracker, TokenUsage, outcome_from_exception, outcome_from_http, usage_from_body
from keypool_client._metering import UsageTap
from keypool_client.provider_api import api_for_provider, request_facts, rewrite_url
from keypool_client.redact import safe_message
from keypool_client.retry_after import parse_go_duration, retry_after_from_body, retry_after_from_headers

NOW = 1_800_000_000.0

OPENAI_SSE = (
    'data: {"choices":[{"delta":{"content":"h\u00e9"}}],"usage":null}\n\n'
    ": comment\n"
    'data: {"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":5}}\n\n'
    "data: [DONE]\n\n"
)
ANTHROPIC_SSE = (
    'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":25,'
    '"cache_creation_input_tokens":3,"cache_read_input_tokens":100,"output_tokens":1}}}\n\n'
    'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":42}}\n\n'
)
GEMINI_SSE = (
    'data: {"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7}}\r\n\r\n'
    'data: {"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":9,"thoughtsTokenCount":4}}\r\n\r\n'
)


def track(text: str, size: int):
    tracker = SseUsageTracker()
    data = text.encode()
    for i in range(0, len(data), size):
        tracker.push(data[i:i + size])
    return tracker.end()


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_sse_usage_in_pieces(size):
    assert track(OPENAI_SSE, size) == TokenUsage(11, 5)
    assert track(ANTHROPIC_SSE, size) == TokenUsage(28, 42)
    assert track(GEMINI_SSE, size) == TokenUsage(7, 13)


ANTHROPIC_STOP = 'event: message_stop\ndata: {"type":"message_stop"}\n\n'
GEMINI_LAST = 'data: {"candidates":[{"content":{"parts":[{"text":"."}]},"finishReason":"STOP"}]}\r\n\r\n'


@pytest.mark.parametrize("size", [1, 4, 1000])
def test_a_stream_is_complete_once_its_terminal_event_has_passed(size):
    for whole, cut in ((OPENAI_SSE, OPENAI_SSE[:-len("data: [DONE]\n\n")]),
                       (ANTHROPIC_SSE + ANTHROPIC_STOP, ANTHROPIC_SSE),
                       (GEMINI_SSE + GEMINI_LAST, GEMINI_SSE)):
        for text, complete in ((whole, True), (cut, False), (whole[:-2], False)):
            tap = UsageTap("text/event-stream; charset=utf-8", "")
            data = text.encode()
            for i in range(0, len(data), size):
                tap.push(data[i:i + size])
            # Only a dispatched event counts: its blank line must have passed too.
            assert tap.complete is complete, text


def test_json_bodies_are_never_complete_before_their_end():
    tap = UsageTap("application/json", "")
    tap.push(b'{"choices":[{"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}')
    assert tap.complete is False


def test_usage_tap_decodes_gzip_json_and_gives_up_on_unknown_encodings():
    tap = UsageTap("application/json", "gzip")
    body = gzip.compress(b'{"usage":{"prompt_tokens":3,"completion_tokens":4}}')
    for i in range(0, len(body), 5):
        tap.push(body[i:i + 5])
    assert tap.final() == TokenUsage(3, 4)
    brotli = UsageTap("application/json", "br")
    brotli.push(b"\x00\x01")
    assert brotli.final() is None


def test_usage_shapes():
    assert usage_from_body({"usage": {"prompt_tokens": 3, "completion_tokens": 4}}) == TokenUsage(3, 4)
    assert usage_from_body({"usage": {"input_tokens": 5, "output_tokens": 6}}) == TokenUsage(5, 6)
    assert usage_from_body({"usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 3}}) == TokenUsage(2, 3)
    assert usage_from_body([{"usageMetadata": {"promptTokenCount": 2}}, {"usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 9}}]) == TokenUsage(2, 9)
    for nothing in (None, "text", {"usage": None}, {"usage": {"total_tokens": 3}}, {"usage": {"prompt_tokens": True}}):
        assert usage_from_body(nothing) is None


def test_retry_delays():
    h = lambda d: (lambda name: {k.lower(): v for k, v in d.items()}.get(name))  # noqa: E731
    assert retry_after_from_headers(h({"retry-after-ms": "1500", "retry-after": "2"}), NOW) == 1.5
    assert retry_after_from_headers(h({"retry-after": "2.5"}), NOW) == 2.5
    assert retry_after_from_headers(h({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1m0s"}), NOW) == 60.0
    assert retry_after_from_headers(h({"x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "5s"}), NOW) is None
    assert parse_go_duration("1h2m3.5s") == pytest.approx(3723.5)
    body = {"error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "4.500s"}]}}
    assert retry_after_from_body(body) == 4.5


def test_outcomes_from_responses():
    assert outcome_from_http(200, None, {}).outcome == "success"
    invalid = {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "API key not valid.", "details": [{"reason": "API_KEY_INVALID"}]}}
    assert outcome_from_http(400, None, invalid).outcome == "unauthorized"
    assert outcome_from_http(429, None, {"error": {"code": "insufficient_quota", "message": "q"}}).outcome == "quota_exhausted"
    limited = outcome_from_http(429, {"Retry-After": "3"}, {"error": {"code": "rate_limit_exceeded", "message": "slow down"}})
    assert (limited.outcome, limited.retry_after, limited.error_message) == ("rate_limited", 3.0, "rate_limit_exceeded: slow down")
    assert [outcome_from_http(s, None, None).outcome for s in (408, 504, 499, 403, 404, 529)] == [
        "timeout", "timeout", "cancelled", "unauthorized", "client_error", "server_error"]
    secret = "sk-test-secret-value-0001"
    leaked = outcome_from_http(401, None, {"error": {"message": "bad key " + secret}}, [secret])
    assert leaked.error_message == "bad key [redacted]"
    assert len(safe_message("x" * 1000)) <= 300


def test_outcomes_from_exceptions():
    import httpx

    request = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")
    response = httpx.Response(429, headers={"retry-after": "7"}, json={"error": {"message": "slow", "code": "rate_limit_exceeded"}}, request=request)
    error = httpx.HTTPStatusError("429", request=request, response=response)
    assert outcome_from_exception(error) == outcome_from_http(429, response.headers, response.json())
    assert outcome_from_exception(error).retry_after == 7.0

    class APIStatusError(Exception):  # the OpenAI and Anthropic SDKs' shape
        def __init__(self):
            super().__init__("Error code: 401")
            self.status_code, self.response, self.body = 401, response, {"message": "Incorrect API key", "code": "invalid_api_key"}

    assert outcome_from_exception(APIStatusError()).outcome == "unauthorized"
    assert outcome_from_exception(httpx.ReadTimeout("slow", request=request)).outcome == "timeout"
    assert outcome_from_exception(httpx.ConnectError("refused", request=request)).outcome == "server_error"
    assert outcome_from_exception(ValueError("sk-test-leaked-secret-0001")).error_message == "caller error: ValueError"


def test_urls_and_requests():
    assert rewrite_url("https://api.openai.com/v1/chat/completions?x=1", "https://api.groq.com/openai/v1/", "https://api.openai.com/v1") == \
        "https://api.groq.com/openai/v1/chat/completions?x=1"
    assert rewrite_url("https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=1", "http://sim:2", None) == \
        "http://sim:2/openai/deployments/d/chat/completions?api-version=1"
    assert rewrite_url("https://custom.example/chat/completions", "http://sim:3/v1", "https://api.openai.com/v1") == "http://sim:3/v1/chat/completions"
    assert [api_for_provider(p) for p in ("openai", "local", "google", "anthropic", "azure")] == ["openai", "openai", "gemini", "anthropic", "azure"]
    body = b'{"model": "gpt-4o-mini", "max_tokens": 100, "messages": []}'
    facts = request_facts("https://api.openai.com/v1/chat/completions", body)
    assert (facts.model, facts.estimated_tokens) == ("gpt-4o-mini", -(-len(body) // 4) + 100)
    assert request_facts("https://g.example/v1beta/models/gemini-2.5-flash:generateContent", None).model == "gemini-2.5-flash"

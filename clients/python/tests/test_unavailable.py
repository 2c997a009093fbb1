"""Failing closed, or falling back, when the sidecar is not there."""

import socket
import time

import httpx
import pytest

from keypool_client import FallbackKey, KeyPool, KeyPoolError, KeyPoolTransport, KeyPoolUnavailableError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_fails_fast_and_clearly_without_a_fallback():
    target = "127.0.0.1:%d" % free_port()
    with KeyPool(target) as pool:
        started = time.monotonic()
        with pytest.raises(KeyPoolUnavailableError) as raised:
            pool.acquire("openai")
        assert time.monotonic() - started < 1.5
        assert "keypool sidecar at %s is unavailable: AcquireKey failed with UNAVAILABLE" % target in str(raised.value)


def test_uses_the_configured_fallback_key(sim_url, fallback_key):
    fallback = FallbackKey(api_key=fallback_key, base_url=sim_url + "/v1")
    with KeyPool("127.0.0.1:%d" % free_port(), fallback=fallback) as pool:
        lease = pool.acquire("openai")
        assert (lease.fallback, lease.lease_id, lease.masked_key) == (True, "", "…0001")
        assert pool.report(lease, outcome="success") is None
        with httpx.Client(transport=KeyPoolTransport(pool, "openai"), base_url="https://api.openai.com/v1") as client:
            response = client.post("/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 200


def test_stats_and_reload_errors_are_keypool_errors(target):
    with KeyPool(target) as pool:
        with pytest.raises(KeyPoolError) as raised:
            pool.reload('{"openai": {"keys": [{"key": "sk-test-py-bad-0001", "rpm": -1}]}}')
        assert raised.value.code_name == "INVALID_ARGUMENT"
        assert "rpm" in str(raised.value) and "sk-test-py-bad-0001" not in str(raised.value)
        with pytest.raises(KeyPoolError, match="interval"):
            next(iter(pool.stats(interval=0.001)))

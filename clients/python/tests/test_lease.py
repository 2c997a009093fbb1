"""``with pool.lease(...)`` against the real server and simulator."""

import httpx
import pytest

from keypool_client import KeyPool, KeyPoolError

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "12345678"}]}


def chat(lease):
    return httpx.post(lease.base_url + "/chat/completions", json=CHAT, headers={"authorization": "Bearer " + lease.api_key})


def test_success_is_reported_with_the_observed_usage(target):
    with KeyPool(target) as pool:
        with pool.lease("lease", estimated_tokens=100) as lease:
            usage = lease.observe(chat(lease)).json()["usage"]
        assert lease.result.outcome == "success"
        assert lease.result.key_state == "active"
        assert lease.usage.prompt_tokens == usage["prompt_tokens"] == 2
        assert lease.usage.completion_tokens == usage["completion_tokens"]
        assert "sk-test" not in repr(lease)


def test_an_escaping_http_429_is_reported_rate_limited_with_its_retry_after(target):
    with KeyPool(target) as pool:
        with pool.lease("tight") as first:
            chat(first).raise_for_status()
        with pytest.raises(httpx.HTTPStatusError) as raised:
            with pool.lease("tight") as lease:
                chat(lease).raise_for_status()
        assert raised.value.response.status_code == 429
        assert lease.result.outcome == "rate_limited"
        assert lease.result.key_state == "cooling_down"
        # The provider's Retry-After (about a minute) now keeps the only key out.
        with pytest.raises(KeyPoolError) as busy:
            pool.acquire("tight")
        assert busy.value.code_name == "RESOURCE_EXHAUSTED"
        assert 30 < busy.value.retry_after <= 61


def test_an_unauthorized_key_is_disabled_and_the_caller_s_own_error_leaves_keys_alone(target):
    with KeyPool(target) as pool:
        with pytest.raises(httpx.HTTPStatusError):
            with pool.lease("revoked") as lease:
                chat(lease).raise_for_status()
        assert (lease.result.outcome, lease.result.key_state) == ("unauthorized", "disabled")

        with pytest.raises(ValueError, match="not a provider problem"):
            with pool.lease("lease") as other:
                raise ValueError("not a provider problem")
        assert (other.result.outcome, other.result.key_state) == ("cancelled", "active")


def test_an_explicit_report_is_the_only_one(target):
    with KeyPool(target) as pool:
        with pool.lease("lease") as lease:
            first = pool.report(lease, http_status=503, error_message="echo " + lease.api_key)
        assert (first.outcome, first.already_reported) == ("server_error", False)
        assert lease.result is first
        again = pool.report(lease, outcome="success")
        assert again.already_reported is True

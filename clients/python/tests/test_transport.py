"""KeyPoolTransport and AsyncKeyPoolTransport against the real server and simulator."""

import asyncio
import collections
import json

import httpx

from keypool_client import KEY_ID_EXTENSION, AsyncKeyPool, AsyncKeyPoolTransport, KeyPool, KeyPoolTransport

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "12345678"}]}
OPENAI = "https://api.openai.com/v1"


def provider_stats(pool, name):
    return next(p for p in next(iter(pool.stats(providers=[name]))).providers if p.provider == name)


def test_twenty_calls_are_balanced_over_five_keys_and_their_tokens_reported(target):
    with KeyPool(target) as pool, httpx.Client(transport=KeyPoolTransport(pool, "openai"), base_url=OPENAI,
                                               headers={"authorization": "Bearer unused"}) as client:
        served = collections.Counter()
        completion_tokens = 0
        for i in range(20):
            if i % 2 == 0:
                response = client.post("/chat/completions", json=CHAT)
                completion_tokens += response.json()["usage"]["completion_tokens"]
            else:
                body = dict(CHAT, stream=True, stream_options={"include_usage": True})
                with client.stream("POST", "/chat/completions", json=body) as response:
                    lines = [line for line in response.iter_lines() if line.startswith("data: {")]
                completion_tokens += json.loads(lines[-1][6:])["usage"]["completion_tokens"]
            assert response.status_code == 200
            served[response.extensions[KEY_ID_EXTENSION]] += 1
        assert served == {"p1": 4, "p2": 4, "p3": 4, "p4": 4, "p5": 4}
        stats = provider_stats(pool, "openai")
        assert (stats.requests_total, stats.successes_total) == (20, 20)
        assert stats.completion_tokens_total == completion_tokens == 20 * 5
        assert stats.prompt_tokens_total == 20 * 2


def test_a_key_whose_answer_says_none_left_is_held_and_another_carries_the_load(target):
    with KeyPool(target) as pool, httpx.Client(transport=KeyPoolTransport(pool, "retry"), base_url=OPENAI) as client:
        # r1 allows one request a minute at the provider; keypool is not told, but its first answer says so.
        served = [client.post("/chat/completions", json=CHAT) for _ in range(3)]
        assert [r.status_code for r in served] == [200, 200, 200]
        assert [r.extensions[KEY_ID_EXTENSION] for r in served] == ["r1", "r2", "r2"]
        leases = [pool.acquire("retry") for _ in range(2)]
        assert [lease.key_id for lease in leases] == ["r2", "r2"]
        for lease in leases:
            pool.report(lease, outcome="cancelled")
        r1 = next(k for k in provider_stats(pool, "retry").keys if k.key_id == "r1")
        # Held from the headers it sent: the provider never had to answer 429.
        assert r1.rate_limited_total == 0
        assert [(l.dimension, l.limit, l.remaining, l.source) for l in r1.learned_limits] == [("requests", 1, 0, "openai-headers")]


def test_async_pool_and_transport(target):
    async def main():
        async with AsyncKeyPool(target) as pool:
            transport = AsyncKeyPoolTransport(pool, "aio")
            async with httpx.AsyncClient(transport=transport, base_url=OPENAI) as client:
                responses = await asyncio.gather(*(client.post("/chat/completions", json=CHAT) for _ in range(10)))
            served = collections.Counter(r.extensions[KEY_ID_EXTENSION] for r in responses)
            assert sorted(served.values()) == [2, 2, 2, 2, 2]
            try:
                async with pool.lease("aio") as lease:
                    raise KeyError("caller bug")
            except KeyError:
                pass
            assert lease.result.outcome == "cancelled"
            snapshots = []
            async for snapshot in pool.stats(providers=["aio"]):
                snapshots.append(snapshot)
                break
            aio = snapshots[0].providers[0]
            assert (aio.successes_total, aio.completion_tokens_total) == (10, 50)

    asyncio.run(main())

"""A FastAPI backend that builds its OpenAI client per request from a keypool lease.

    pip install fastapi uvicorn openai    # plus clients/python (keypool_client)
    KEYPOOL_TARGET=127.0.0.1:50051 uvicorn backend:app

Every request leases the least-used key, calls OpenAI with it, and reports the outcome and the
token usage when the ``with`` block ends — also when the call raises (a 429 cools that key down).
"""

import os

import openai
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from keypool_client import KeyPool, KeyPoolError

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")


class SummarizeRequest(BaseModel):
    text: str


def create_app(target: str) -> FastAPI:
    # One pool client per process: a gRPC channel is cheap to share and safe across threads.
    pool = KeyPool(target)
    app = FastAPI()

    @app.post("/summarize")
    def summarize(request: SummarizeRequest) -> dict:
        try:
            # Reserve roughly what the call will use: the prompt (4 characters a token) and the answer.
            with pool.lease("openai", model=MODEL, estimated_tokens=len(request.text) // 4 + 200, max_wait=2.0) as lease:
                client = openai.OpenAI(api_key=lease.api_key, base_url=lease.base_url, max_retries=0)
                reply = client.chat.completions.create(
                    model=MODEL,
                    max_tokens=200,
                    messages=[{"role": "user", "content": "Summarize in one sentence:\n" + request.text}],
                )
                lease.observe(reply)  # the token usage goes into the report
        except KeyPoolError as err:  # every key busy (retry_after says when), or the sidecar is down
            retry = {"Retry-After": str(int(err.retry_after) + 1)} if err.retry_after else None
            raise HTTPException(503, "no API key available: " + err.code_name, headers=retry)
        except openai.APIStatusError as err:  # already reported to keypool on the way out of `with`
            raise HTTPException(502, "the model provider answered %d" % err.status_code)
        return {"summary": reply.choices[0].message.content, "key": lease.key_id}

    @app.on_event("shutdown")
    def close_pool() -> None:
        pool.close()

    return app


app = create_app(os.environ.get("KEYPOOL_TARGET", "127.0.0.1:50051"))

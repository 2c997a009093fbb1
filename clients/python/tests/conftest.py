"""The keypool server and the provider simulator are started by test/python/python-client.test.ts,
which passes their addresses here. Run alone, the tests that need them are skipped."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip("%s is not set: run through `npx vitest run test/python`" % name)
    return value


@pytest.fixture
def target() -> str:
    return _env("KEYPOOL_TARGET")


@pytest.fixture
def sim_url() -> str:
    return _env("KEYPOOL_SIM_URL")


@pytest.fixture
def fallback_key() -> str:
    return _env("KEYPOOL_TEST_FALLBACK_KEY")

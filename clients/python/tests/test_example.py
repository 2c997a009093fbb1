"""The FastAPI-style example stays valid Python, and runs where its dependencies are installed."""

import importlib.util
import py_compile
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "python"


def test_examples_compile():
    files = sorted(EXAMPLES.glob("*.py"))
    assert files, "no example found in %s" % EXAMPLES
    for path in files:
        py_compile.compile(str(path), doraise=True)


def test_backend_answers_through_the_pool(target, sim_url):
    missing = [m for m in ("fastapi", "openai") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip("the example needs %s installed (openai is not a Debian 12 package)" % ", ".join(missing))
    from fastapi.testclient import TestClient

    sys.path.insert(0, str(EXAMPLES))
    import backend

    app = backend.create_app(target)
    with TestClient(app) as client:
        reply = client.post("/summarize", json={"text": "keypool pools keys"})
    assert reply.status_code == 200
    assert reply.json()["summary"]

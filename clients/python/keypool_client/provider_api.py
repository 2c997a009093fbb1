"""Where a provider's key goes and where its requests are sent (no gRPC here)."""

import json
import math
import re
from dataclasses import dataclass
from typing import Optional
from urllib.parse import unquote

#: Public endpoints the official SDKs call by default, replaced by a key's base URL.
DEFAULT_BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
    "azure": None,  # every Azure resource has its own host
}

_CREDENTIAL_HEADERS = ("authorization", "api-key", "x-api-key", "x-goog-api-key")


def api_for_provider(provider: str) -> str:
    """``google``/``gemini*`` speak Gemini, ``anthropic*`` Anthropic, ``azure*`` Azure OpenAI,
    any other name the OpenAI-compatible API."""
    name = provider.lower()
    if name in ("google", "gemini") or name.startswith(("gemini", "google")):
        return "gemini"
    if name.startswith("anthropic") or name == "claude":
        return "anthropic"
    if name.startswith("azure"):
        return "azure"
    return "openai"


def key_headers(api: str, api_key: str) -> dict:
    """The header that carries the key for ``api``."""
    return {
        "openai": {"authorization": "Bearer " + api_key},
        "azure": {"api-key": api_key},
        "gemini": {"x-goog-api-key": api_key},
        "anthropic": {"x-api-key": api_key},
    }[api]


def credential_headers() -> tuple:
    """Every header a key may travel in: the SDK's placeholders are removed from all of them."""
    return _CREDENTIAL_HEADERS


def rewrite_url(url: str, key_base_url: Optional[str], sdk_base_url: Optional[str]) -> str:
    """The part of ``url`` that the SDK's base URL covers is replaced by the key's base URL; a URL
    outside it keeps path and query and only changes origin, gaining the key's base path once."""
    if not key_base_url:
        return url
    target = _split(key_base_url)
    target_path = target[2].rstrip("/")
    scheme, netloc, path, query = _split(url)
    if sdk_base_url:
        base = _split(sdk_base_url)
        base_path = base[2].rstrip("/")
        if (base[0], base[1]) == (scheme, netloc) and (base_path == "" or path == base_path or path.startswith(base_path + "/")):
            return _join(target[0], target[1], target_path + path[len(base_path):], query)
    if not (target_path == "" or path == target_path or path.startswith(target_path + "/")):
        path = target_path + path
    return _join(target[0], target[1], path, query)


@dataclass(frozen=True)
class RequestFacts:
    model: Optional[str]
    estimated_tokens: int


def request_facts(url: str, body: Optional[bytes]) -> RequestFacts:
    """Model (body ``model``, Gemini ``/models/{m}:``, Azure ``/deployments/{d}/``) and a token
    estimate: 4 characters a token of the body plus the completion cap the request set."""
    path = _split(url)[2]
    m = re.search(r"/models/([^/:]+)[:/]", path) or re.search(r"/deployments/([^/]+)/", path)
    model = unquote(m.group(1)) if m else None
    cap = 0
    text = body.decode("utf-8", errors="replace") if body else ""
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = {}
        if isinstance(doc.get("model"), str):
            model = doc["model"]
        config = doc.get("generationConfig") or doc.get("generation_config") or {}
        for candidate in (doc.get("max_completion_tokens"), doc.get("max_tokens"), doc.get("max_output_tokens"), config.get("maxOutputTokens") if isinstance(config, dict) else None):
            if isinstance(candidate, (int, float)) and not isinstance(candidate, bool) and candidate > 0:
                cap = int(candidate)
                break
    return RequestFacts(model, math.ceil(len(text) / 4) + cap)


def _split(url: str):
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://([^/?#]*)([^?#]*)(\?[^#]*)?", url)
    if not m:
        raise ValueError("not an absolute URL: %r" % url[:100])
    return m.group(1).lower(), m.group(2).lower(), m.group(3), m.group(4) or ""


def _join(scheme: str, netloc: str, path: str, query: str) -> str:
    return "%s://%s%s%s" % (scheme, netloc, path or "/", query)

"""Retry delays a provider asked for, from headers and Gemini bodies (no gRPC here)."""

import re
import time
from email.utils import parsedate_to_datetime
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional

HeaderGet = Callable[[str], Optional[str]]

_GO_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_GO_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")


def retry_after_from_headers(get: HeaderGet, now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait: retry-after-ms, retry-after (seconds or a date), else the reset of an
    exhausted window (OpenAI x-ratelimit-reset-* as Go durations, Anthropic RFC 3339 times)."""
    now = time.time() if now is None else now
    ms = _number(get("retry-after-ms"))
    if ms is not None and ms >= 0:
        return ms / 1000.0
    value = (get("retry-after") or "").strip()
    if value:
        if re.fullmatch(r"\d+(\.\d+)?", value):
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            pass
    longest: Optional[float] = None
    for kind in ("requests", "tokens"):
        if (get("x-ratelimit-remaining-" + kind) or "").strip() == "0":
            longest = _longer(longest, parse_go_duration(get("x-ratelimit-reset-" + kind)))
    for kind in ("requests", "tokens", "input-tokens", "output-tokens"):
        if (get("anthropic-ratelimit-%s-remaining" % kind) or "").strip() == "0":
            at = _rfc3339(get("anthropic-ratelimit-%s-reset" % kind))
            longest = _longer(longest, None if at is None else max(0.0, at - now))
    return longest


def parse_go_duration(text: Optional[str]) -> Optional[float]:
    """A Go duration (``6s``, ``1m0s``, ``250ms``) in seconds."""
    s = (text or "").strip()
    if not s or not re.fullmatch(r"(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+", s):
        return None
    return sum(float(v) * _GO_UNITS[u] for v, u in _GO_PART.findall(s))


def error_details(body: Any) -> List[Dict[str, Any]]:
    """The ``error.details`` entries of a google.rpc.Status body."""
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def retry_after_from_body(body: Any) -> Optional[float]:
    """Gemini's RetryInfo.retryDelay (``"20s"``, ``"4.500s"``) in seconds."""
    for detail in error_details(body):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            m = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(detail.get("retryDelay", "")).strip())
            if m:
                return float(m.group(1))
    return None


def _longer(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if b is None or b < 0:
        return a
    return b if a is None or b > a else a


def _number(text: Optional[str]) -> Optional[float]:
    try:
        return float(text) if text is not None and text.strip() else None
    except ValueError:
        return None


def _rfc3339(text: Optional[str]) -> Optional[float]:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None

"""Provider error messages made safe to report: no keys, short."""

import re
from typing import Iterable

_MAX_MESSAGE = 300
# Shapes of common provider keys, removed even when the leased one is not known.
_KEY_PATTERNS = [re.compile(r"\bsk-[A-Za-z0-9_-]{12,}"), re.compile(r"\bAIza[0-9A-Za-z_-]{20,}")]


def safe_message(text: str, secrets: Iterable[str] = ()) -> str:
    """Replaces the given secrets and anything shaped like a provider key, and keeps it short."""
    out = text
    for secret in secrets:
        if secret:
            out = out.replace(secret, "[redacted]")
    for pattern in _KEY_PATTERNS:
        out = pattern.sub("[redacted]", out)
    out = " ".join(out.split())
    return out if len(out) <= _MAX_MESSAGE else out[: _MAX_MESSAGE - 1] + "…"

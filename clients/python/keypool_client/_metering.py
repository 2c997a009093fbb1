"""Watching a provider response go by: usage from SSE and JSON bodies (no gRPC here)."""

import json
import zlib
from typing import Optional

from .outcomes import parse_body
from .usage import SseUsageTracker, TokenUsage, usage_from_body

# JSON bodies up to this size are kept to read their usage; larger ones pass without.
_MAX_JSON_BYTES = 8 * 1024 * 1024


class UsageTap:
    """Fed the raw bytes of a response as the caller reads them; knows the usage at the end.

    Transport-level bytes are still content-encoded: gzip and deflate are decoded here (the
    transports only accept those), anything else leaves the usage unknown.
    """

    def __init__(self, content_type: str, content_encoding: str):
        encoding = content_encoding.strip().lower()
        self._decoder = None
        self._readable = encoding in ("", "identity", "gzip", "x-gzip", "deflate")
        if encoding in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._decoder = zlib.decompressobj()
        self._sse = SseUsageTracker() if "text/event-stream" in content_type else None
        self._json: Optional[list] = [] if self._sse is None and "json" in content_type else None
        self._size = 0

    def push(self, chunk: bytes) -> None:
        if not self._readable or (self._sse is None and self._json is None):
            return
        try:
            data = self._decoder.decompress(chunk) if self._decoder is not None else chunk
        except zlib.error:
            self._readable = False
            return
        if self._sse is not None:
            self._sse.push(data)
        elif self._json is not None:
            self._size += len(data)
            if self._size <= _MAX_JSON_BYTES:
                self._json.append(data)

    @property
    def complete(self) -> bool:
        """Whether the stream's terminal event has passed: the answer is whole even if the
        caller closes the response before the connection ends."""
        return self._sse is not None and self._sse.complete

    def partial(self) -> Optional[TokenUsage]:
        """Usage seen so far (a stream cut short)."""
        return self._sse.usage if self._sse is not None else None

    def final(self) -> Optional[TokenUsage]:
        """Usage once the body has ended."""
        if not self._readable:
            return None
        if self._sse is not None:
            return self._sse.end()
        if self._json is not None and self._size <= _MAX_JSON_BYTES:
            try:
                return usage_from_body(parse_body(b"".join(self._json)))
            except (ValueError, json.JSONDecodeError):
                return None
        return None

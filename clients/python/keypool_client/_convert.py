"""Between the generated messages and the client's plain values."""

from typing import Any, Iterable, Optional

from google.protobuf.duration_pb2 import Duration

from .gen.keypool.v1 import keypool_pb2 as pb
from .lease import Lease, ReportResult
from .outcomes import OUTCOMES
from .rate_limit_headers import MAX_ERROR_BODY_BYTES, rate_limit_headers
from .redact import safe_message


def duration(seconds: Optional[float]) -> Optional[Duration]:
    if seconds is None:
        return None
    whole = int(seconds)
    return Duration(seconds=whole, nanos=int(round((seconds - whole) * 1e9)))


def acquire_request(provider: str, model: str, estimated_tokens: int, max_wait: float,
                    lease_ttl: Optional[float], client_id: str) -> pb.AcquireKeyRequest:
    req = pb.AcquireKeyRequest(provider=provider, model=model or "", estimated_tokens=max(0, int(estimated_tokens)), client_id=client_id)
    if max_wait > 0:
        req.max_wait.CopyFrom(duration(max_wait))
    if lease_ttl is not None:
        req.lease_ttl.CopyFrom(duration(lease_ttl))
    return req


def lease_from(res: pb.AcquireKeyResponse) -> Lease:
    return Lease(
        lease_id=res.lease_id, key_id=res.key_id, api_key=res.api_key, provider=res.provider,
        base_url=res.base_url or None, masked_key=res.masked_key,
        expires_at=res.expires_at.seconds + res.expires_at.nanos / 1e9 if res.HasField("expires_at") else None,
        waited=res.waited.seconds + res.waited.nanos / 1e9 if res.HasField("waited") else 0.0,
    )


def report_request(lease: Lease, outcome: Optional[str], http_status: int, prompt_tokens: Optional[int],
                   completion_tokens: Optional[int], latency: Optional[float], retry_after: Optional[float],
                   error_message: Optional[str], response_headers: Any = None,
                   error_body: Optional[bytes] = None) -> pb.ReportUsageRequest:
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError("outcome must be one of %s, not %r" % (", ".join(OUTCOMES), outcome))
    req = pb.ReportUsageRequest(
        lease_id=lease.lease_id,
        outcome=pb.Outcome.Value("OUTCOME_" + outcome.upper()) if outcome else pb.OUTCOME_UNSPECIFIED,
        http_status=http_status or 0,
        prompt_tokens=max(0, int(prompt_tokens or 0)),
        completion_tokens=max(0, int(completion_tokens or 0)),
        error_message=safe_message(error_message, [lease.api_key]) if error_message else "",
        # Only the allow-listed headers leave the caller, whatever it passed.
        response_headers=rate_limit_headers(response_headers),
        error_body=bytes(error_body[:MAX_ERROR_BODY_BYTES]) if error_body else b"",
    )
    if latency is not None:
        req.latency.CopyFrom(duration(max(0.0, latency)))
    if retry_after is not None:
        req.retry_after.CopyFrom(duration(max(0.0, retry_after)))
    return req


def report_result(res: pb.ReportUsageResponse) -> ReportResult:
    state = pb.KeyState.Name(res.key_state).replace("KEY_STATE_", "").lower()
    outcome = pb.Outcome.Name(res.outcome).replace("OUTCOME_", "").lower()
    return ReportResult(res.key_id, state, res.already_reported, None if outcome == "unspecified" else outcome)


def stats_request(providers: Iterable[str], interval: Optional[float]) -> pb.StreamStatsRequest:
    req = pb.StreamStatsRequest(providers=list(providers))
    if interval is not None:
        req.interval.CopyFrom(duration(interval))
    return req

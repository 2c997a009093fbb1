from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
KEY_ACTION_CLEAR_COOLDOWN: KeyAction
KEY_ACTION_DISABLE: KeyAction
KEY_ACTION_DRAIN: KeyAction
KEY_ACTION_ENABLE: KeyAction
KEY_ACTION_PROBE: KeyAction
KEY_ACTION_UNSPECIFIED: KeyAction
KEY_STATE_ACTIVE: KeyState
KEY_STATE_COOLING_DOWN: KeyState
KEY_STATE_DISABLED: KeyState
KEY_STATE_DRAINING: KeyState
KEY_STATE_EXHAUSTED: KeyState
KEY_STATE_UNSPECIFIED: KeyState
OUTCOME_CANCELLED: Outcome
OUTCOME_CLIENT_ERROR: Outcome
OUTCOME_QUOTA_EXHAUSTED: Outcome
OUTCOME_RATE_LIMITED: Outcome
OUTCOME_SERVER_ERROR: Outcome
OUTCOME_SUCCESS: Outcome
OUTCOME_TIMEOUT: Outcome
OUTCOME_UNAUTHORIZED: Outcome
OUTCOME_UNSPECIFIED: Outcome
STATS_HISTORY_MARKER_KIND_KEY_STATE: StatsHistoryMarkerKind
STATS_HISTORY_MARKER_KIND_RELOAD: StatsHistoryMarkerKind
STATS_HISTORY_MARKER_KIND_START: StatsHistoryMarkerKind
STATS_HISTORY_MARKER_KIND_UNSPECIFIED: StatsHistoryMarkerKind

class AcquireKeyRequest(_message.Message):
    __slots__ = ["client_id", "estimated_tokens", "lease_ttl", "max_wait", "model", "provider"]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LEASE_TTL_FIELD_NUMBER: _ClassVar[int]
    MAX_WAIT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    client_id: str
    estimated_tokens: int
    lease_ttl: _duration_pb2.Duration
    max_wait: _duration_pb2.Duration
    model: str
    provider: str
    def __init__(self, provider: _Optional[str] = ..., model: _Optional[str] = ..., estimated_tokens: _Optional[int] = ..., max_wait: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., lease_ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., client_id: _Optional[str] = ...) -> None: ...

class AcquireKeyResponse(_message.Message):
    __slots__ = ["api_key", "base_url", "expires_at", "key_id", "lease_id", "masked_key", "provider", "waited"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    MASKED_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    WAITED_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    base_url: str
    expires_at: _timestamp_pb2.Timestamp
    key_id: str
    lease_id: str
    masked_key: str
    provider: str
    waited: _duration_pb2.Duration
    def __init__(self, lease_id: _Optional[str] = ..., key_id: _Optional[str] = ..., api_key: _Optional[str] = ..., provider: _Optional[str] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., base_url: _Optional[str] = ..., masked_key: _Optional[str] = ..., waited: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ClientUsage(_message.Message):
    __slots__ = ["client", "client_id", "open_leases", "waiting"]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_LEASES_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    client: str
    client_id: str
    open_leases: int
    waiting: int
    def __init__(self, client: _Optional[str] = ..., client_id: _Optional[str] = ..., open_leases: _Optional[int] = ..., waiting: _Optional[int] = ...) -> None: ...

class GetStatsHistoryRequest(_message.Message):
    __slots__ = ["key_id", "model", "provider", "range", "resolution"]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    model: str
    provider: str
    range: _duration_pb2.Duration
    resolution: _duration_pb2.Duration
    def __init__(self, provider: _Optional[str] = ..., key_id: _Optional[str] = ..., model: _Optional[str] = ..., range: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., resolution: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetStatsHistoryResponse(_message.Message):
    __slots__ = ["buckets", "fleet_unavailable", "key_id", "markers", "masked_key", "model", "models", "provider", "range_end", "range_start", "recording_since", "resolution", "sidecars"]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    FLEET_UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MARKERS_FIELD_NUMBER: _ClassVar[int]
    MASKED_KEY_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RANGE_END_FIELD_NUMBER: _ClassVar[int]
    RANGE_START_FIELD_NUMBER: _ClassVar[int]
    RECORDING_SINCE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    SIDECARS_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedCompositeFieldContainer[StatsHistoryBucket]
    fleet_unavailable: str
    key_id: str
    markers: _containers.RepeatedCompositeFieldContainer[StatsHistoryMarker]
    masked_key: str
    model: str
    models: _containers.RepeatedScalarFieldContainer[str]
    provider: str
    range_end: _timestamp_pb2.Timestamp
    range_start: _timestamp_pb2.Timestamp
    recording_since: _timestamp_pb2.Timestamp
    resolution: _duration_pb2.Duration
    sidecars: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, provider: _Optional[str] = ..., key_id: _Optional[str] = ..., masked_key: _Optional[str] = ..., model: _Optional[str] = ..., resolution: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., range_start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., range_end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., recording_since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., buckets: _Optional[_Iterable[_Union[StatsHistoryBucket, _Mapping]]] = ..., markers: _Optional[_Iterable[_Union[StatsHistoryMarker, _Mapping]]] = ..., models: _Optional[_Iterable[str]] = ..., sidecars: _Optional[_Iterable[str]] = ..., fleet_unavailable: _Optional[str] = ...) -> None: ...

class KeyLimits(_message.Message):
    __slots__ = ["max_concurrent", "rpd", "rpm", "tpm", "windows"]
    MAX_CONCURRENT_FIELD_NUMBER: _ClassVar[int]
    RPD_FIELD_NUMBER: _ClassVar[int]
    RPM_FIELD_NUMBER: _ClassVar[int]
    TPM_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    max_concurrent: int
    rpd: int
    rpm: int
    tpm: int
    windows: _containers.RepeatedCompositeFieldContainer[WindowLimit]
    def __init__(self, rpm: _Optional[int] = ..., tpm: _Optional[int] = ..., rpd: _Optional[int] = ..., max_concurrent: _Optional[int] = ..., windows: _Optional[_Iterable[_Union[WindowLimit, _Mapping]]] = ...) -> None: ...

class KeyStats(_message.Message):
    __slots__ = ["changed_by", "completion_tokens_total", "cooldown_until", "errors_by_outcome", "errors_total", "expired_leases_total", "in_flight", "key_id", "label", "last_used_at", "latency_p50", "latency_p95", "latency_p99", "learned_limits", "limits", "masked_key", "model_limits", "prompt_tokens_total", "rate_limited_total", "requests_in_window", "requests_total", "scope", "state", "state_reason", "successes_total", "tokens_in_window", "utilization", "weight"]
    class ErrorsByOutcomeEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ModelLimitsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: KeyLimits
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[KeyLimits, _Mapping]] = ...) -> None: ...
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_UNTIL_FIELD_NUMBER: _ClassVar[int]
    ERRORS_BY_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERRORS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_LEASES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_FIELD_NUMBER: _ClassVar[int]
    LEARNED_LIMITS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    MASKED_KEY_FIELD_NUMBER: _ClassVar[int]
    MODEL_LIMITS_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMITED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_IN_WINDOW_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    SUCCESSES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    TOKENS_IN_WINDOW_FIELD_NUMBER: _ClassVar[int]
    UTILIZATION_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    changed_by: str
    completion_tokens_total: int
    cooldown_until: _timestamp_pb2.Timestamp
    errors_by_outcome: _containers.ScalarMap[str, int]
    errors_total: int
    expired_leases_total: int
    in_flight: int
    key_id: str
    label: str
    last_used_at: _timestamp_pb2.Timestamp
    latency_p50: _duration_pb2.Duration
    latency_p95: _duration_pb2.Duration
    latency_p99: _duration_pb2.Duration
    learned_limits: _containers.RepeatedCompositeFieldContainer[LearnedLimit]
    limits: KeyLimits
    masked_key: str
    model_limits: _containers.MessageMap[str, KeyLimits]
    prompt_tokens_total: int
    rate_limited_total: int
    requests_in_window: int
    requests_total: int
    scope: ScopeStats
    state: KeyState
    state_reason: str
    successes_total: int
    tokens_in_window: int
    utilization: float
    weight: float
    def __init__(self, key_id: _Optional[str] = ..., label: _Optional[str] = ..., masked_key: _Optional[str] = ..., state: _Optional[_Union[KeyState, str]] = ..., state_reason: _Optional[str] = ..., cooldown_until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., in_flight: _Optional[int] = ..., requests_total: _Optional[int] = ..., successes_total: _Optional[int] = ..., rate_limited_total: _Optional[int] = ..., errors_total: _Optional[int] = ..., errors_by_outcome: _Optional[_Mapping[str, int]] = ..., expired_leases_total: _Optional[int] = ..., prompt_tokens_total: _Optional[int] = ..., completion_tokens_total: _Optional[int] = ..., requests_in_window: _Optional[int] = ..., tokens_in_window: _Optional[int] = ..., limits: _Optional[_Union[KeyLimits, _Mapping]] = ..., utilization: _Optional[float] = ..., latency_p50: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., latency_p95: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., latency_p99: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., last_used_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., weight: _Optional[float] = ..., changed_by: _Optional[str] = ..., scope: _Optional[_Union[ScopeStats, _Mapping]] = ..., model_limits: _Optional[_Mapping[str, KeyLimits]] = ..., learned_limits: _Optional[_Iterable[_Union[LearnedLimit, _Mapping]]] = ...) -> None: ...

class LearnedLimit(_message.Message):
    __slots__ = ["dimension", "expires_at", "holder", "limit", "model", "others", "remaining", "reset_at", "seen_at", "source", "window"]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OTHERS_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    RESET_AT_FIELD_NUMBER: _ClassVar[int]
    SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    dimension: str
    expires_at: _timestamp_pb2.Timestamp
    holder: str
    limit: int
    model: str
    others: int
    remaining: int
    reset_at: _timestamp_pb2.Timestamp
    seen_at: _timestamp_pb2.Timestamp
    source: str
    window: _duration_pb2.Duration
    def __init__(self, holder: _Optional[str] = ..., model: _Optional[str] = ..., dimension: _Optional[str] = ..., window: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., limit: _Optional[int] = ..., remaining: _Optional[int] = ..., reset_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., others: _Optional[int] = ..., source: _Optional[str] = ..., seen_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ProviderStats(_message.Message):
    __slots__ = ["balance_ratio", "balance_ratio_total", "clients", "completion_tokens_total", "errors_total", "in_flight", "keys", "prompt_tokens_total", "provider", "rate_limited_total", "requests_total", "successes_total", "waiting"]
    BALANCE_RATIO_FIELD_NUMBER: _ClassVar[int]
    BALANCE_RATIO_TOTAL_FIELD_NUMBER: _ClassVar[int]
    CLIENTS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    ERRORS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMITED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SUCCESSES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    balance_ratio: float
    balance_ratio_total: float
    clients: _containers.RepeatedCompositeFieldContainer[ClientUsage]
    completion_tokens_total: int
    errors_total: int
    in_flight: int
    keys: _containers.RepeatedCompositeFieldContainer[KeyStats]
    prompt_tokens_total: int
    provider: str
    rate_limited_total: int
    requests_total: int
    successes_total: int
    waiting: int
    def __init__(self, provider: _Optional[str] = ..., balance_ratio: _Optional[float] = ..., balance_ratio_total: _Optional[float] = ..., requests_total: _Optional[int] = ..., successes_total: _Optional[int] = ..., rate_limited_total: _Optional[int] = ..., errors_total: _Optional[int] = ..., prompt_tokens_total: _Optional[int] = ..., completion_tokens_total: _Optional[int] = ..., in_flight: _Optional[int] = ..., keys: _Optional[_Iterable[_Union[KeyStats, _Mapping]]] = ..., waiting: _Optional[int] = ..., clients: _Optional[_Iterable[_Union[ClientUsage, _Mapping]]] = ...) -> None: ...

class ReloadConfigRequest(_message.Message):
    __slots__ = ["config_json"]
    CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    config_json: str
    def __init__(self, config_json: _Optional[str] = ...) -> None: ...

class ReloadConfigResponse(_message.Message):
    __slots__ = ["added_key_ids", "config_generation", "removed_key_ids", "unchanged_key_ids", "updated_key_ids", "warnings"]
    ADDED_KEY_IDS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_GENERATION_FIELD_NUMBER: _ClassVar[int]
    REMOVED_KEY_IDS_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_KEY_IDS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_KEY_IDS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    added_key_ids: _containers.RepeatedScalarFieldContainer[str]
    config_generation: int
    removed_key_ids: _containers.RepeatedScalarFieldContainer[str]
    unchanged_key_ids: _containers.RepeatedScalarFieldContainer[str]
    updated_key_ids: _containers.RepeatedScalarFieldContainer[str]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, config_generation: _Optional[int] = ..., added_key_ids: _Optional[_Iterable[str]] = ..., removed_key_ids: _Optional[_Iterable[str]] = ..., updated_key_ids: _Optional[_Iterable[str]] = ..., unchanged_key_ids: _Optional[_Iterable[str]] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class ReportUsageRequest(_message.Message):
    __slots__ = ["completion_tokens", "error_body", "error_message", "http_status", "latency", "lease_id", "outcome", "prompt_tokens", "response_headers", "retry_after"]
    class ResponseHeadersEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    ERROR_BODY_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    LEASE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_HEADERS_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_FIELD_NUMBER: _ClassVar[int]
    completion_tokens: int
    error_body: bytes
    error_message: str
    http_status: int
    latency: _duration_pb2.Duration
    lease_id: str
    outcome: Outcome
    prompt_tokens: int
    response_headers: _containers.ScalarMap[str, str]
    retry_after: _duration_pb2.Duration
    def __init__(self, lease_id: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., http_status: _Optional[int] = ..., prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., latency: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., retry_after: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., error_message: _Optional[str] = ..., response_headers: _Optional[_Mapping[str, str]] = ..., error_body: _Optional[bytes] = ...) -> None: ...

class ReportUsageResponse(_message.Message):
    __slots__ = ["already_reported", "key_id", "key_state", "outcome"]
    ALREADY_REPORTED_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_STATE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    already_reported: bool
    key_id: str
    key_state: KeyState
    outcome: Outcome
    def __init__(self, key_state: _Optional[_Union[KeyState, str]] = ..., already_reported: bool = ..., key_id: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ...) -> None: ...

class ScopeStats(_message.Message):
    __slots__ = ["limits", "model_limits", "name", "reason", "requests_in_window", "state", "until"]
    class ModelLimitsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: KeyLimits
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[KeyLimits, _Mapping]] = ...) -> None: ...
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    MODEL_LIMITS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_IN_WINDOW_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    limits: KeyLimits
    model_limits: _containers.MessageMap[str, KeyLimits]
    name: str
    reason: str
    requests_in_window: int
    state: KeyState
    until: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[KeyState, str]] = ..., reason: _Optional[str] = ..., until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., limits: _Optional[_Union[KeyLimits, _Mapping]] = ..., model_limits: _Optional[_Mapping[str, KeyLimits]] = ..., requests_in_window: _Optional[int] = ...) -> None: ...

class SetKeyStateRequest(_message.Message):
    __slots__ = ["action", "key_id", "provider", "reason"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    action: KeyAction
    key_id: str
    provider: str
    reason: str
    def __init__(self, provider: _Optional[str] = ..., key_id: _Optional[str] = ..., action: _Optional[_Union[KeyAction, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class SetKeyStateResponse(_message.Message):
    __slots__ = ["changed", "key_id", "previous_state", "provider", "state", "state_reason"]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    changed: bool
    key_id: str
    previous_state: KeyState
    provider: str
    state: KeyState
    state_reason: str
    def __init__(self, provider: _Optional[str] = ..., key_id: _Optional[str] = ..., previous_state: _Optional[_Union[KeyState, str]] = ..., state: _Optional[_Union[KeyState, str]] = ..., changed: bool = ..., state_reason: _Optional[str] = ...) -> None: ...

class StatsHistoryBucket(_message.Message):
    __slots__ = ["completion_tokens", "errors", "errors_by_outcome", "latency_p50", "latency_p95", "latency_p99", "latency_samples", "prompt_tokens", "rate_limited", "recorded", "refusals", "requests", "start", "successes", "wait_time", "waits"]
    class ErrorsByOutcomeEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_BY_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_FIELD_NUMBER: _ClassVar[int]
    LATENCY_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMITED_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    REFUSALS_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    SUCCESSES_FIELD_NUMBER: _ClassVar[int]
    WAITS_FIELD_NUMBER: _ClassVar[int]
    WAIT_TIME_FIELD_NUMBER: _ClassVar[int]
    completion_tokens: int
    errors: int
    errors_by_outcome: _containers.ScalarMap[str, int]
    latency_p50: _duration_pb2.Duration
    latency_p95: _duration_pb2.Duration
    latency_p99: _duration_pb2.Duration
    latency_samples: int
    prompt_tokens: int
    rate_limited: int
    recorded: bool
    refusals: int
    requests: int
    start: _timestamp_pb2.Timestamp
    successes: int
    wait_time: _duration_pb2.Duration
    waits: int
    def __init__(self, start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., recorded: bool = ..., requests: _Optional[int] = ..., successes: _Optional[int] = ..., rate_limited: _Optional[int] = ..., errors: _Optional[int] = ..., errors_by_outcome: _Optional[_Mapping[str, int]] = ..., prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., waits: _Optional[int] = ..., wait_time: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., refusals: _Optional[int] = ..., latency_samples: _Optional[int] = ..., latency_p50: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., latency_p95: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., latency_p99: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class StatsHistoryMarker(_message.Message):
    __slots__ = ["at", "changed_by", "config_generation", "detail", "key_id", "key_state", "kind", "sidecar"]
    AT_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    CONFIG_GENERATION_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_STATE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SIDECAR_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    changed_by: str
    config_generation: int
    detail: str
    key_id: str
    key_state: KeyState
    kind: StatsHistoryMarkerKind
    sidecar: str
    def __init__(self, at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[StatsHistoryMarkerKind, str]] = ..., key_id: _Optional[str] = ..., key_state: _Optional[_Union[KeyState, str]] = ..., config_generation: _Optional[int] = ..., detail: _Optional[str] = ..., changed_by: _Optional[str] = ..., sidecar: _Optional[str] = ...) -> None: ...

class StoreStatus(_message.Message):
    __slots__ = ["degraded", "degraded_since", "failure_mode", "kind", "limits_divided_by", "location", "reason", "sidecar_id", "sidecars_alive"]
    DEGRADED_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_SINCE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LIMITS_DIVIDED_BY_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SIDECARS_ALIVE_FIELD_NUMBER: _ClassVar[int]
    SIDECAR_ID_FIELD_NUMBER: _ClassVar[int]
    degraded: bool
    degraded_since: _timestamp_pb2.Timestamp
    failure_mode: str
    kind: str
    limits_divided_by: int
    location: str
    reason: str
    sidecar_id: str
    sidecars_alive: int
    def __init__(self, kind: _Optional[str] = ..., location: _Optional[str] = ..., failure_mode: _Optional[str] = ..., degraded: bool = ..., degraded_since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., sidecars_alive: _Optional[int] = ..., sidecar_id: _Optional[str] = ..., limits_divided_by: _Optional[int] = ...) -> None: ...

class StreamStatsRequest(_message.Message):
    __slots__ = ["interval", "providers"]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    interval: _duration_pb2.Duration
    providers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, providers: _Optional[_Iterable[str]] = ..., interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class StreamStatsResponse(_message.Message):
    __slots__ = ["config_generation", "generated_at", "providers", "store"]
    CONFIG_GENERATION_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    config_generation: int
    generated_at: _timestamp_pb2.Timestamp
    providers: _containers.RepeatedCompositeFieldContainer[ProviderStats]
    store: StoreStatus
    def __init__(self, generated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., config_generation: _Optional[int] = ..., providers: _Optional[_Iterable[_Union[ProviderStats, _Mapping]]] = ..., store: _Optional[_Union[StoreStatus, _Mapping]] = ...) -> None: ...

class WindowLimit(_message.Message):
    __slots__ = ["per", "requests", "tokens"]
    PER_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    per: _duration_pb2.Duration
    requests: int
    tokens: int
    def __init__(self, requests: _Optional[int] = ..., tokens: _Optional[int] = ..., per: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class KeyState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class KeyAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class StatsHistoryMarkerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

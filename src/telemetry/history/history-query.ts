import { invalidArgument } from "../../protocol/keypool-error.js";
import { modelField, providerField } from "../../protocol/request-fields.js";
import { MAX_RETENTION_MS, RESOLUTIONS } from "./history-series.js";

export interface HistoryQuery {
  readonly provider: string;
  /** "" selects the whole provider. */
  readonly keyId: string;
  /** "" selects every model. */
  readonly model: string;
  readonly rangeMs: number;
  readonly resolutionMs: number;
}

/** A history request as a transport delivers it: any field may be missing. */
export type RawHistoryQuery = { readonly [F in keyof HistoryQuery]?: HistoryQuery[F] | undefined };

/** Field names as the transport spells them, for the error messages. */
export interface HistoryFieldNames {
  readonly keyId: string;
}

const DEFAULT_RANGE_MS = 3_600_000;
const MAX_KEY_ID = 128;

/**
 * Checks a history request, whichever transport it came by, and fills in the
 * defaults: the last hour, at the finest resolution that covers the range.
 * A resolution must be a whole number of the buckets kept for that range
 * (10 s up to an hour, 5 min up to a day); anything else is refused rather
 * than rounded, naming the field.
 */
export function parseHistoryQuery(raw: RawHistoryQuery, names: HistoryFieldNames = { keyId: "key_id" }): HistoryQuery {
  const provider = providerField(raw.provider);
  const keyId = (raw.keyId ?? "").trim();
  if (keyId.length > MAX_KEY_ID) throw invalidArgument(`${names.keyId}: longer than ${MAX_KEY_ID} characters`);
  const model = modelField(raw.model);
  const rangeMs = raw.rangeMs === undefined || raw.rangeMs === 0 ? DEFAULT_RANGE_MS : raw.rangeMs;
  if (!Number.isFinite(rangeMs) || rangeMs < 0) throw invalidArgument("range: expected a positive duration");
  if (rangeMs > MAX_RETENTION_MS) throw invalidArgument(`range: at most ${MAX_RETENTION_MS / 3_600_000}h is kept`);
  const source = RESOLUTIONS.find((r) => rangeMs <= r.retentionMs) ?? RESOLUTIONS[RESOLUTIONS.length - 1];
  const width = source?.widthMs ?? 1;
  const resolutionMs = raw.resolutionMs === undefined || raw.resolutionMs === 0 ? width : raw.resolutionMs;
  if (!Number.isFinite(resolutionMs) || resolutionMs < 0) throw invalidArgument("resolution: expected a positive duration");
  if (resolutionMs % width !== 0) {
    throw invalidArgument(`resolution: expected a multiple of ${width / 1000}s for a range of ${rangeMs / 1000}s`);
  }
  if (resolutionMs > rangeMs) throw invalidArgument("resolution: longer than the range");
  return { provider, keyId, model, rangeMs, resolutionMs };
}

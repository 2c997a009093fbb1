import { createHash } from "node:crypto";
import { secretFingerprint } from "../../config/config-fingerprint.js";
import type { KeyConfig, PoolSettings } from "../../config/types.js";
import { windowSpecs } from "../../pool/pooled-key.js";

/**
 * A key's limits as the scripts read them: windows as {k: "r"|"t", l:
 * limit (-1 unlimited), s: span with the margin}, the first two always the
 * minute's requests and tokens; weight; max concurrent (-1 unlimited);
 * models (absent: every model); p: the sidecar rechecks the key after a
 * 401/403 rather than a caller's lease; the longest span, for trimming the log.
 * Nothing secret: the fingerprint tells a changed secret apart without
 * revealing it; `v` is a digest of the whole configuration, so that any
 * change reads as one.
 */
export function keyConfigJson(config: KeyConfig, settings: PoolSettings): string {
  const specs = windowSpecs(config, settings);
  const w = specs.map((s) => ({ k: s.kind === "requests" ? "r" : "t", l: Number.isFinite(s.limit) ? s.limit : -1, s: s.perMs + s.marginMs }));
  return JSON.stringify({
    w,
    wt: config.weight,
    c: config.maxConcurrent ?? -1,
    ...(config.models === undefined ? {} : { m: config.models }),
    ...(config.probe === true ? { p: true } : {}),
    x: Math.max(...w.map((x) => x.s)),
    // Any change of the key's configuration (label, base URL, enabled...) is one: an operator's hold notes it.
    v: createHash("sha256").update(JSON.stringify({ ...config, secret: secretFingerprint(config) })).digest("base64url").slice(0, 16),
  });
}

export { secretFingerprint };

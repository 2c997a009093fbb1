import { describe, expect, it } from "vitest";
import { keyLimitLines, leftText, learnedLimitText, learnedLimitTitle, limitSetParts, linePieces, modelLimitEntries } from "../../../src/http/dashboard/limit-text.js";

/** A key of the statistics JSON with only what the limit lines read. */
const key = (over: Record<string, unknown> = {}) => ({
  limits: { rpm: null, tpm: null, rpd: null, max_concurrent: null, windows: [] },
  model_limits: {},
  scope: null,
  learned_limits: [],
  ...over,
});

const learned = (over: Record<string, unknown> = {}) => ({
  holder: "key",
  model: "",
  dimension: "requests",
  window_ms: 60_000,
  limit: 60,
  remaining: 12,
  reset_at: "2026-06-01T12:00:10.000Z",
  others: 0,
  source: "openai-headers",
  seen_at: "2026-06-01T12:00:00.000Z",
  expires_at: "2026-06-01T12:02:00.000Z",
  ...over,
});

const scope = (over: Record<string, unknown> = {}) => ({
  name: "proj-a",
  state: "active",
  reason: "",
  until: null,
  limits: { rpm: 100, tpm: 1_000_000, rpd: null },
  model_limits: { "gemini-2.5-pro": { rpm: 5, tpm: null, rpd: 100 } },
  requests_in_window: 7,
  ...over,
});

describe("a key's limit lines on the dashboard", () => {
  it("writes a model's or a scope's limit set compactly, models by name, those without any limit left out", () => {
    expect(limitSetParts({ rpm: 5, tpm: null, rpd: 100 })).toEqual(["5 rpm", "100 rpd"]);
    expect(limitSetParts({ rpm: null, tpm: 150_000, rpd: null })).toEqual(["150k tpm"]);
    expect(limitSetParts({ rpm: null, tpm: null, rpd: null })).toEqual([]);
    expect(
      modelLimitEntries({ "gpt-4o-mini": { rpm: null, tpm: 5_000, rpd: null }, "gemini-2.5-pro": { rpm: 5, tpm: null, rpd: 100 }, idle: { rpm: null, tpm: null, rpd: null } }),
    ).toEqual([
      ["gemini-2.5-pro", ["5 rpm", "100 rpd"]],
      ["gpt-4o-mini", ["5k tpm"]],
    ]);
    expect(modelLimitEntries(undefined)).toEqual([]);
  });

  it("writes a learned limit with what is left and whether its scope holds it, over any window", () => {
    expect(learnedLimitText(learned())).toBe("60 rpm (12 left)");
    expect(learnedLimitText(learned({ dimension: "tokens", limit: 150_000, remaining: null, holder: "scope" }))).toBe("150k tpm (scope)");
    expect(learnedLimitText(learned({ remaining: 50, holder: "scope" }))).toBe("60 rpm (50 left, scope)");
    expect(learnedLimitText(learned({ window_ms: 86_400_000, limit: 14_400, remaining: null }))).toBe("14k rpd");
    expect(learnedLimitText(learned({ dimension: "tokens", window_ms: 86_400_000, limit: 2_000_000, remaining: 1_500_000 }))).toBe("2M tpd (1.5M left)");
    expect(learnedLimitText(learned({ window_ms: 10_000, limit: 5, remaining: 0 }))).toBe("5/10 s (0 left)");
    expect(learnedLimitText(learned({ dimension: "tokens", window_ms: 10_000, limit: null, remaining: 900 }))).toBe("? tok/10 s (900 left)");
    // The provider said only what is left: the unit still says what it counts.
    expect(learnedLimitText(learned({ limit: null, remaining: 3 }))).toBe("rpm (3 left)");
  });

  it("rounds what is left down, so that a limit nearly untouched never reads as untouched", () => {
    expect([0, 12, 999, 1_000, 4_990, 9_999, 149_500, 799_000, 1_500_000, 999_999_999, 2_150_000_000].map(leftText)).toEqual([
      "0",
      "12",
      "999",
      "1k",
      "4.9k",
      "9.9k",
      "149k",
      "799k",
      "1.5M",
      "999M",
      "2.1G",
    ]);
  });

  it("says a learned limit at length in its tooltip: what, for which model, for whom, from where", () => {
    expect(learnedLimitTitle(learned({ model: "gpt-4o", others: 9, holder: "scope" }), "org")).toBe(
      "requests per minute for gpt-4o, learned for the scope org from openai-headers: limit 60, 12 left when last answered, 9 used by others",
    );
    expect(learnedLimitTitle(learned({ dimension: "tokens", window_ms: 86_400_000, limit: null, source: "gemini-quota-failure" }), undefined)).toBe(
      "tokens per day, learned for this key from gemini-quota-failure: 12 left when last answered",
    );
  });

  it("lists configured, per-model, scope and learned limits in that order, learned ones a line per model", () => {
    const lines = keyLimitLines(
      key({
        limits: { rpm: 60, tpm: 40_000, rpd: null, max_concurrent: 4, windows: [] },
        model_limits: { "gemini-2.5-pro": { rpm: 5, tpm: null, rpd: 100 } },
        scope: scope(),
        learned_limits: [
          learned({ model: "gpt-4o", dimension: "tokens", limit: 150_000, remaining: null, holder: "scope" }),
          learned({ model: "gpt-4o", remaining: 50, holder: "scope" }),
          learned({ window_ms: 86_400_000, limit: 10_000, remaining: 9_000 }),
          learned(),
        ],
      }),
    );
    expect(lines.map((l) => [l.kind, l.text])).toEqual([
      ["configured", "limits 60 rpm · 40k tpm · 4 open"],
      ["model", "gemini-2.5-pro 5 rpm · 100 rpd"],
      ["scope", "scope proj-a 100 rpm · 1M tpm; gemini-2.5-pro 5 rpm · 100 rpd"],
      ["learned", "learned 60 rpm (12 left) · 10k rpd (9k left)"],
      ["learned", "learned gpt-4o 60 rpm (50 left, scope) · 150k tpm (scope)"],
    ]);
    expect(lines[2]!.title).toBe("shares the quota of the scope proj-a with its other keys: 7 requests in its minute");
    expect(lines[4]!.title.split("\n")).toEqual([
      "requests per minute for gpt-4o, learned for the scope proj-a from openai-headers: limit 60, 50 left when last answered",
      "tokens per minute for gpt-4o, learned for the scope proj-a from openai-headers: limit 150000",
    ]);
  });

  it("names a scope that holds its keys, and a scope without limits of its own", () => {
    const held = keyLimitLines(key({ scope: scope({ state: "cooling_down", reason: "every key of the scope was rate limited", limits: { rpm: null, tpm: null, rpd: null }, model_limits: {} }) }));
    expect(held).toEqual([
      {
        kind: "scope",
        text: "scope proj-a cooling down",
        pieces: ["scope proj-a cooling down"],
        title: "shares the quota of the scope proj-a with its other keys: 7 requests in its minute; every key of the scope was rate limited",
      },
    ]);
  });

  it("says when nothing bounds a key, and only then", () => {
    expect(keyLimitLines(key())).toEqual([{ kind: "none", text: "no limits configured", pieces: ["no limits configured"], title: "" }]);
    expect(keyLimitLines(key({ learned_limits: [learned()] })).map((l) => l.text)).toEqual(["learned 60 rpm (12 left)"]);
  });

  it("cuts a line where it may wrap: after its head and between limits, never inside one", () => {
    expect(linePieces("learned gpt-4o", [["60 rpm (50 left, scope)", "150k tpm (scope)"]])).toEqual(["learned gpt-4o", "60 rpm (50 left, scope) ·", "150k tpm (scope)"]);
    expect(linePieces("scope proj-a", [["100 rpm", "1M tpm"], [], ["gpt-4o 10 rpm"]])).toEqual(["scope proj-a", "100 rpm ·", "1M tpm;", "gpt-4o 10 rpm"]);
    expect(linePieces("limits", [["60 rpm"]])).toEqual(["limits", "60 rpm"]);
    const [scopeLine] = keyLimitLines(key({ scope: scope() }));
    expect(scopeLine!.pieces).toEqual(["scope proj-a", "100 rpm ·", "1M tpm;", "gemini-2.5-pro 5 rpm ·", "100 rpd"]);
    expect(scopeLine!.text).toBe(scopeLine!.pieces.join(" "));
  });
});

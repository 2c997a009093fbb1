import { describe, expect, it } from "vitest";
import { actionRequest, actionsFor, changedByText, errorText, resultText } from "../../../src/http/dashboard/key-actions.js";

const key = (state: string, state_reason = "", changed_by = "") => ({ state, state_reason, changed_by });

describe("the dashboard's actions on a key", () => {
  it("offers only the actions that change something for the key's state", () => {
    expect(actionsFor(key("active"))).toEqual(["disable", "drain"]);
    expect(actionsFor(key("cooling_down", "rate limited (429)", "app"))).toEqual(["disable", "drain", "probe", "clear_cooldown"]);
    expect(actionsFor(key("exhausted", "quota exhausted", "app"))).toEqual(["disable", "drain", "probe", "clear_cooldown"]);
    // A 401 disabled it: enable lifts that, a probe tests it.
    expect(actionsFor(key("disabled", "unauthorized (401/403)", "app"))).toEqual(["enable", "probe"]);
  });

  it("offers only enable for a key an operator holds, and nothing for one the configuration disabled or removed", () => {
    expect(actionsFor(key("disabled", "disabled by operator ops: rotating", "ops"))).toEqual(["enable"]);
    expect(actionsFor(key("draining", "drained by operator ops", "ops"))).toEqual(["enable"]);
    expect(actionsFor(key("disabled", "disabled in configuration", "config"))).toEqual([]);
    expect(actionsFor(key("draining", "removed from the configuration; finishing open leases", "config"))).toEqual([]);
    expect(actionsFor(key("no-such-state"))).toEqual([]);
  });

  it("builds the POST with the bearer token when the page has one, and with the CSRF token otherwise", () => {
    const bearer = actionRequest("openai", "k 2/x", "disable", "  rotating  ", { token: "kp-token" });
    expect(bearer.url).toBe("/v1/keys/openai/k%202%2Fx/state");
    expect(bearer.init.method).toBe("POST");
    expect(bearer.init.headers).toEqual({ accept: "application/json", "content-type": "application/json", authorization: "Bearer kp-token" });
    expect(JSON.parse(bearer.init.body)).toEqual({ action: "disable", reason: "rotating" });

    const csrf = actionRequest("openai", "k1", "probe", "", { csrf: { header: "x-keypool-csrf", token: "1.n.mac" } });
    expect(csrf.init.headers).toEqual({ accept: "application/json", "content-type": "application/json", "x-keypool-csrf": "1.n.mac" });
    expect(csrf.init.headers).not.toHaveProperty("authorization");
    // No reason given: none is sent.
    expect(JSON.parse(csrf.init.body)).toEqual({ action: "probe" });
  });

  it("says what the key is now and why, or that nothing changed", () => {
    expect(
      resultText({ action: "disable", previous_state: "active", state: "disabled", changed: true, state_reason: "disabled by operator ops: rotating" }),
    ).toBe("disable: active → disabled (disabled by operator ops: rotating)");
    expect(resultText({ action: "clear_cooldown", previous_state: "cooling_down", state: "active", changed: true, state_reason: "" })).toBe(
      "clear cooldown: cooling down → active",
    );
    expect(resultText({ action: "enable", previous_state: "active", state: "active", changed: false, state_reason: "" })).toBe(
      "enable: nothing to change, the key is active",
    );
  });

  it("gives the server's message and status for a refusal, and says when the server cannot be reached", () => {
    expect(errorText(400, { error: { code: "INVALID_ARGUMENT", message: "reason: at most 200 characters" } })).toBe(
      "not done: reason: at most 200 characters (HTTP 400)",
    );
    expect(errorText(403, { error: { code: "PERMISSION_DENIED", message: "admin token required" } })).toBe("not done: admin token required (HTTP 403)");
    expect(errorText(502, undefined)).toBe("not done: the server gave no reason (HTTP 502)");
    expect(errorText(0, undefined)).toBe("not done: the server cannot be reached");
  });

  it("names who changed the key, but not a cooldown that ran out by itself", () => {
    expect(changedByText(key("disabled", "disabled by operator ops", "ops"))).toBe("changed by ops");
    expect(changedByText(key("disabled", "disabled in configuration", "config"))).toBe("changed by the configuration");
    expect(changedByText(key("active", "", "time"))).toBe("");
    expect(changedByText(key("active"))).toBe("");
  });
});

/*
 * What an administrator can do to a key from the page, and how it is asked
 * and answered: which actions fit a key's state, the request to
 * POST /v1/keys/{provider}/{keyId}/state, and the text of the answer.
 * Pure: no DOM, no fetch, so that Node tests it.
 */

/** The actions in the order their buttons appear; `asks` opens the reason form first. */
export const ACTIONS = {
  disable: { label: "Disable", asks: true, title: "Take the key out of the pool until an operator enables it." },
  enable: { label: "Enable", asks: true, title: "Lift an operator's disable or drain, or a disable that reports caused." },
  drain: { label: "Drain", asks: true, title: "Lease no more; open leases finish." },
  probe: { label: "Probe now", asks: false, title: "Let the next acquisition test the key; its report decides." },
  clear_cooldown: { label: "Clear cooldown", asks: false, title: "Make a cooling or exhausted key active at once." },
};

/** As many characters as the server takes for a reason. */
export const MAX_REASON = 200;

/*
 * The snapshot says a key is held by an operator through its reason, which
 * the server words as "disabled by operator NAME" or "drained by operator NAME".
 */
const HELD = /^(disabled|drained) by operator /;

/**
 * The actions that change something for a key as the snapshot shows it.
 * A key the configuration disabled or removed is the configuration's to
 * bring back: nothing here would. A key held by an operator can only be
 * enabled (the server refuses to probe it).
 */
export function actionsFor(key) {
  const held = HELD.test(key.state_reason || "");
  switch (key.state) {
    case "active":
      return ["disable", "drain"];
    case "cooling_down":
    case "exhausted":
      return ["disable", "drain", "probe", "clear_cooldown"];
    case "disabled":
      if (held) return ["enable"];
      return key.changed_by === "config" ? [] : ["enable", "probe"];
    case "draining":
      return held ? ["enable"] : [];
    default:
      return [];
  }
}

/**
 * The fetch() arguments of an action. `auth` is `{ token }` when the page
 * was given a client token (sent as a bearer token), otherwise `{ csrf }`,
 * a token from GET /v1/csrf-token that a same-origin request presents.
 */
export function actionRequest(provider, keyId, action, reason, auth) {
  const headers = { accept: "application/json", "content-type": "application/json" };
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  else if (auth.csrf) headers[auth.csrf.header] = auth.csrf.token;
  const body = { action };
  const why = reason.trim();
  if (why !== "") body.reason = why;
  return {
    url: `/v1/keys/${encodeURIComponent(provider)}/${encodeURIComponent(keyId)}/state`,
    init: { method: "POST", headers, body: JSON.stringify(body), cache: "no-store" },
  };
}

const STATE_WORDS = { active: "active", cooling_down: "cooling down", exhausted: "exhausted", disabled: "disabled", draining: "draining" };

/** The answer to a successful action, as one line: what the key is now, and why. */
export function resultText(answer) {
  const action = String(answer.action || "").replace(/_/g, " ");
  const state = STATE_WORDS[answer.state] || answer.state;
  const what = answer.changed
    ? `${action}: ${STATE_WORDS[answer.previous_state] || answer.previous_state} → ${state}`
    : `${action}: nothing to change, the key is ${state}`;
  return answer.state_reason ? `${what} (${answer.state_reason})` : what;
}

/**
 * The text of a refused or failed action: the server's message (which
 * names the field and the reason) and its HTTP status, or why the server
 * could not be asked.
 */
export function errorText(status, body) {
  const message = body && body.error && typeof body.error.message === "string" ? body.error.message : "";
  if (status === 0) return `not done: the server cannot be reached${message ? ` (${message})` : ""}`;
  return `not done: ${message || "the server gave no reason"} (HTTP ${status})`;
}

/** Who made the key's last change of state, as the page says it; "" when nothing worth saying. */
export function changedByText(key) {
  const by = key.changed_by || "";
  // "time": a cooldown ran out, which the key's state already says.
  if (by === "" || by === "time") return "";
  if (by === "config") return "changed by the configuration";
  return `changed by ${by}`;
}

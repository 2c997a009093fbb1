/*
 * The action buttons of one key row, the small form that asks for a reason
 * (no prompt(): it blocks the page and tests cannot drive it), and the line
 * that shows the server's answer. Built once per row and only shown or
 * hidden afterwards, so that a snapshot arriving while the operator types
 * leaves the form alone.
 */
import { el, setText } from "./dom.js";
import { ACTIONS, actionsFor, MAX_REASON } from "./key-actions.js";

/**
 * Fills `root` (the row's actions slot). `send(action, reason)` performs the
 * action and resolves with `{ ok, text }`, and with `state`, the key's state
 * after it, when ok.
 */
export function keyActionView(root, keyId, send) {
  const buttons = el("div", "action-buttons");
  const byAction = new Map();
  for (const [action, spec] of Object.entries(ACTIONS)) {
    const button = el("button", "action-button", spec.label);
    button.type = "button";
    button.dataset.action = action;
    button.title = spec.title;
    button.hidden = true;
    button.addEventListener("click", () => (spec.asks ? openForm(action) : run(action, "")));
    byAction.set(action, button);
    buttons.append(button);
  }

  const form = el("form", "action-form");
  form.hidden = true;
  form.setAttribute("aria-label", `reason for the action on ${keyId}`);
  const label = el("label", "action-label");
  const labelText = el("span", "action-label-text");
  const input = /** @type {HTMLInputElement} */ (el("input", "action-reason"));
  input.type = "text";
  input.name = "reason";
  input.maxLength = MAX_REASON;
  input.autocomplete = "off";
  input.spellcheck = false;
  input.placeholder = "reason, e.g. rotating (optional)";
  label.append(labelText, input);
  const confirm = el("button", "action-confirm");
  confirm.type = "submit";
  const cancel = el("button", "action-cancel", "Cancel");
  cancel.type = "button";
  form.append(label, confirm, cancel);

  const result = el("div", "action-result");
  result.setAttribute("role", "status");
  result.hidden = true;
  root.append(buttons, form, result);

  let pending = "";
  let busy = false;
  /**
   * The key's state that the answer speaks of: the answer is old news once
   * a snapshot showed that state and a later one another (a snapshot taken
   * before the action may still arrive after its answer).
   */
  let answeredState = "";
  let answerSeen = false;
  /** The key's state in the last snapshot. */
  let currentState = "";

  function openForm(action) {
    pending = action;
    setText(labelText, `Why ${ACTIONS[action].label.toLowerCase()} ${keyId}?`);
    setText(confirm, ACTIONS[action].label);
    confirm.dataset.action = action;
    input.value = "";
    form.hidden = false;
    buttons.hidden = true;
    input.focus();
  }

  function closeForm() {
    pending = "";
    form.hidden = true;
    buttons.hidden = false;
  }

  async function run(action, reason) {
    if (busy) return;
    busy = true;
    root.dataset.busy = "true";
    // The last answer is about the last action; this one gets its own.
    result.hidden = true;
    for (const b of byAction.values()) b.disabled = true;
    confirm.disabled = true;
    try {
      const answer = await send(action, reason);
      result.dataset.outcome = answer.ok ? "ok" : "error";
      setText(result, answer.text);
      result.hidden = false;
      // A refusal stands while the key stays as it was.
      answeredState = answer.ok ? answer.state : currentState;
      answerSeen = false;
      if (answer.ok) closeForm();
    } finally {
      busy = false;
      delete root.dataset.busy;
      for (const b of byAction.values()) b.disabled = false;
      confirm.disabled = false;
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (pending !== "") void run(pending, input.value);
  });
  cancel.addEventListener("click", closeForm);
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeForm();
  });

  return {
    /** Shows the buttons that fit the key's state; none unless `admin`. */
    update(key, admin) {
      root.hidden = !admin;
      if (!admin) {
        if (pending !== "") closeForm();
        return;
      }
      currentState = key.state;
      if (key.state === answeredState) answerSeen = true;
      else if (answerSeen) result.hidden = true;
      const fit = new Set(actionsFor(key));
      for (const [action, button] of byAction) button.hidden = !fit.has(action);
      // The key changed under an open form (another operator, a report): its action may no longer fit.
      if (pending !== "" && !fit.has(pending)) closeForm();
    },
  };
}

/*
 * The tables under a provider's keys: the per-model use over the charted
 * range and the clients holding leases or waiting now.
 */
import { el, setText } from "./dom.js";
import { compact } from "./format.js";

/** A titled table with a note above it (what it covers, or why it is empty): the models and clients of a provider. */
export function headedTable(kind, title, headers) {
  const root = el("div", kind);
  const table = el("table", `${kind}-table`);
  const head = el("tr");
  for (const label of headers) {
    const th = el("th", undefined, label);
    th.scope = "col";
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  const body = el("tbody");
  table.append(thead, body);
  const note = el("p", "models-note");
  root.append(el("h3", "models-head", title), note, table);
  return { root, table, body, note };
}

/** The per-model table: the charted range's sums per model, with the keys that served it. */
export function updateModels(view, usage, modelFilter, range) {
  const rows = usage?.rows ?? [];
  const signature = JSON.stringify([rows, modelFilter, range, usage === undefined]);
  if (signature === view.modelsSignature) return;
  view.modelsSignature = signature;
  const rangeText = `the last ${range.replace("m", " min").replace("h", " h")}`;
  setText(view.modelsNote, usage === undefined ? "loading…" : rows.length === 0 ? `No requests named a model in ${rangeText}.` : `Requests that named a model, over ${rangeText}.`);
  view.modelsBody.replaceChildren();
  view.modelsTable.hidden = rows.length === 0;
  for (const r of rows) {
    const tr = el("tr");
    tr.dataset.model = r.model;
    if (modelFilter !== "" && modelFilter !== r.model) tr.hidden = true;
    const keys = r.keys.map((k) => `${k.keyId} ${compact(k.requests)}`).join(" · ");
    const cells = [r.model, compact(r.requests), compact(r.rate_limited), compact(r.errors), compact(r.tokens), keys || "–"];
    const labels = ["Model", "Requests", "429s", "Errors", "Tokens", "Keys"];
    cells.forEach((text, i) => {
      const td = el("td", i === 0 ? "m-name" : i === 5 ? "m-keys" : "c-num", text);
      td.dataset.label = labels[i];
      tr.append(td);
    });
    view.modelsBody.append(tr);
  }
}

/** Who holds leases and who waits now: client names and declared ids, from the snapshot. */
export function updateClients(view, clients) {
  const signature = JSON.stringify(clients);
  if (signature === view.clientsSignature) return;
  view.clientsSignature = signature;
  setText(view.clientsNote, clients.length === 0 ? "No open leases and no one waiting now." : "Open leases and acquisitions waiting for a key, now.");
  view.clientsTable.hidden = clients.length === 0;
  view.clientsBody.replaceChildren();
  for (const c of clients) {
    const tr = el("tr");
    tr.dataset.client = c.client;
    tr.dataset.clientId = c.client_id;
    const cells = [
      [c.client || "no token", "Client", c.client ? "m-name" : "m-name muted"],
      [c.client_id || "–", "Declared id", ""],
      [compact(c.open_leases), "Open leases", "c-num c-open"],
      [compact(c.waiting), "Waiting", "c-num c-waiting"],
    ];
    for (const [text, label, cls] of cells) {
      const td = el("td", cls, text);
      td.dataset.label = label;
      tr.append(td);
    }
    view.clientsBody.append(tr);
  }
}

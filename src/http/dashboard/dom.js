/*
 * DOM helpers for the page. Every value from the server goes in as text
 * (textContent, attributes), never as markup.
 */

export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function svgEl(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  return node;
}

/** Writes only on change, so that a selection or a hover survives a redraw. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function setTitle(node, text) {
  if (node.title !== text) node.title = text;
}

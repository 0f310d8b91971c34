// The status line above the steps: a message, an error with its row errors, a retry button.
import { $, el, text } from "./dom.js";

const status = $("ic-status");

export function say(message, kind = "info", action = null) {
  status.replaceChildren();
  if (!message) return;
  const box = el("div", { class: `alert alert-${kind}` }, el("span", {}, message));
  if (action) box.append(" ", action);
  status.append(box);
}

export function sayError(error, action = null) {
  const lines = [];
  const rows = (error.details && error.details.errors) || [];
  for (const row of rows.slice(0, 5)) lines.push(el("li", {}, `${row.line}: ${row.message}`));
  say(error.message, "error", action);
  if (lines.length) status.firstChild.append(el("ul", { class: "ic-error-lines" }, lines));
}

export function retryButton(action) {
  const button = el("button", { type: "button", class: "small" }, text.retry);
  button.addEventListener("click", action, { once: true });
  return button;
}

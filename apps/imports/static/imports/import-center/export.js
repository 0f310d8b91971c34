// The records export: downloaded with fetch so that an error answer becomes a message on the page.
import { ApiError, errorFrom } from "./api.js";
import { $, bytes, el, fill, root, text } from "./dom.js";
import { say, sayError } from "./messages.js";

const exportForm = $("ic-export");
exportForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(exportForm);
  const params = new URLSearchParams();
  for (const name of ["from", "to", "member", "status"]) {
    if (data.get(name)) params.set(name, data.get(name));
  }
  if (data.get("bom")) params.set("bom", "1");
  if (params.get("from") && params.get("to") && params.get("from") > params.get("to")) {
    return say(text.badRange, "error");
  }
  const button = exportForm.querySelector("button[type=submit]");
  button.disabled = true;
  say(text.exporting);
  try {
    let response;
    try {
      response = await fetch(`${root.dataset.exportUrl}?${params}`, { credentials: "same-origin" });
    } catch {
      throw new ApiError(text.network, { retryable: true });
    }
    if (!response.ok) {
      let body = null;
      try {
        body = await response.json();
      } catch {
        // not JSON
      }
      throw errorFrom(response.status, body);
    }
    const blob = await response.blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: "attendance-records.csv", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    say(fill(text.exported, { size: bytes(blob.size) }), "success");
  } catch (error) {
    sayError(error);
  } finally {
    button.disabled = false;
  }
});

// The batch history (refreshed as an htmx-style fragment) and the rollback dialog.
import { api } from "./api.js";
import { $, day, el, fill, number, root, text } from "./dom.js";
import { say } from "./messages.js";

const history = $("batch-history");

export async function refreshHistory(page) {
  const current = history.querySelector("[data-page]");
  const number_ = page || (current ? current.dataset.page : 1);
  try {
    const response = await fetch(`${root.dataset.historyUrl}?page=${number_}`, {
      headers: { "HX-Request": "true", "HX-Target": "batch-history" },
      credentials: "same-origin",
    });
    if (response.redirected) {
      // The session ended: the server answered with the sign-in page. Let the browser go there.
      window.location.reload();
      return;
    }
    if (!response.ok) return;
    history.innerHTML = await response.text();
    if (window.htmx) window.htmx.process(history);
  } catch {
    // The table stays as it was; the next action refreshes it again.
  }
}

const dialog = $("ic-rollback-dialog");
const dialogError = $("ic-rollback-error");
const confirmButton = $("ic-rollback-confirm");
let rollbackId = null;

history.addEventListener("click", (event) => {
  const button = event.target.closest("[data-rollback]");
  if (!button) return;
  rollbackId = button.dataset.rollback;
  $("ic-rollback-title").textContent = fill(text.rollbackTitle, { id: rollbackId });
  $("ic-rollback-body").textContent = fill(text.rollbackBody, {
    file: button.dataset.filename || text.none,
    created: number.format(Number(button.dataset.created)),
    updated: number.format(Number(button.dataset.updated)),
  });
  dialogError.hidden = true;
  dialogError.replaceChildren();
  confirmButton.disabled = false;
  dialog.showModal();
  $("ic-rollback-cancel").focus();
});

confirmButton.addEventListener("click", async () => {
  confirmButton.disabled = true;
  confirmButton.textContent = text.rollingBack;
  try {
    await api(`${root.dataset.batchesUrl}${rollbackId}/rollback`, { method: "POST" });
    dialog.close();
    say(fill(text.rolledBack, { id: rollbackId }), "success");
    await refreshHistory();
    // The button that opened the dialog is gone with the refresh: keep the keyboard user in the table.
    $("ic-history-title").focus();
  } catch (error) {
    dialogError.replaceChildren(el("p", {}, error.message));
    const records = (error.details && error.details.records) || [];
    if (records.length) {
      dialogError.append(
        el(
          "ul",
          { class: "ic-error-lines" },
          records.slice(0, 10).map((record) =>
            el(
              "li",
              {},
              [
                record.memberName || record.memberId,
                day(record.workDate),
                record.state === "deleted"
                  ? text.recordDeleted
                  : record.sourceBatchId && String(record.sourceBatchId) !== String(rollbackId)
                    ? fill(text.recordChangedByBatch, { id: record.sourceBatchId })
                    : text.recordChangedByHand,
              ].join(" · "),
            ),
          ),
        ),
      );
    }
    dialogError.hidden = false;
    confirmButton.disabled = !error.retryable;
  } finally {
    confirmButton.textContent = text.rollBack;
  }
});

// The three steps: upload (drop zone or file picker), preview, commit with progress. The commit token and
// idempotency key stay with the upload until the server gives a final answer (docs/imports.md).
import { api, followJob, uploadFile } from "./api.js";
import { $, bytes, el, fill, number, root, text } from "./dom.js";
import { refreshHistory } from "./history.js";
import { retryButton, say, sayError } from "./messages.js";
import { renderPreview } from "./preview-table.js";

const PREVIEW_LIMIT = 200;
const FILE_TYPES = /\.(csv|txt|xlsx)$/i;

// --- step 1: upload -------------------------------------------------------------------------------

const state = { upload: null, preview: null, commit: null, busy: false };
const fileInput = $("ic-file");
const drop = $("ic-drop");
const uploadMeter = $("ic-upload-meter");
const uploadBar = $("ic-upload-bar");
const matchByName = $("ic-match-by-name");

function setBusy(busy) {
  state.busy = busy;
  drop.disabled = busy;
  $("ic-commit-button").disabled = busy || !canCommit();
  $("ic-again").disabled = busy;
  matchByName.disabled = busy;
  $("ic-preview-again").disabled = busy;
}

function resetSteps() {
  commitButton.hidden = false;
  $("ic-again").textContent = text.chooseAnother;
  state.upload = null;
  state.preview = null;
  state.commit = null;
  $("ic-preview").hidden = true;
  $("ic-commit").hidden = true;
  $("ic-progress").hidden = true;
  $("ic-result").hidden = true;
  $("ic-on-error").disabled = false;
  uploadMeter.hidden = true;
}

async function chooseFile(file) {
  if (!file || state.busy) return;
  resetSteps();
  if (!FILE_TYPES.test(file.name)) return say(text.wrongType, "error");
  const limit = Number(root.dataset.maxBytes);
  if (limit && file.size > limit) return say(fill(text.tooLarge, { size: bytes(limit) }), "error");
  setBusy(true);
  say(fill(text.uploading, { name: file.name }));
  uploadMeter.hidden = false;
  uploadBar.value = 0;
  try {
    const upload = await uploadFile(file, (loaded, total) => {
      uploadBar.value = Math.round((loaded / total) * 100);
      $("ic-upload-text").textContent = `${bytes(loaded)} / ${bytes(total)}`;
    });
    uploadBar.value = 100;
    $("ic-upload-text").textContent = fill(text.uploaded, { name: upload.filename, size: bytes(upload.size) });
    state.upload = upload;
    await runPreview();
  } catch (error) {
    sayError(error, retryButton(() => chooseFile(file)));
  } finally {
    setBusy(false);
    fileInput.value = "";
  }
}

drop.addEventListener("click", () => fileInput.click());
fileInput.addEventListener("change", () => chooseFile(fileInput.files[0]));
for (const name of ["dragenter", "dragover"]) {
  drop.addEventListener(name, (event) => {
    event.preventDefault();
    if (!state.busy) drop.classList.add("is-over");
  });
}
for (const name of ["dragleave", "dragend"]) drop.addEventListener(name, () => drop.classList.remove("is-over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("is-over");
  chooseFile(event.dataTransfer && event.dataTransfer.files[0]);
});
// A file dropped beside the zone would make the browser navigate away from the page.
window.addEventListener("dragover", (event) => event.preventDefault());
window.addEventListener("drop", (event) => event.preventDefault());

// --- step 2: preview ------------------------------------------------------------------------------

async function runPreview() {
  say(text.checking);
  let { status: code, body } = await api(root.dataset.previewUrl, {
    method: "POST",
    json: { uploadId: state.upload.id, previewLimit: PREVIEW_LIMIT, matchByName: matchByName.checked },
  });
  if (code === 202) {
    uploadMeter.hidden = false;
    const job = await followJob(body.id, (tick) => {
      uploadBar.value = Math.round((tick.progress || 0) * 100);
      $("ic-upload-text").textContent = text.checking;
    });
    body = job.result;
  }
  state.preview = body;
  renderPreview(body, state.upload.filename);
  syncCommitButton();
  if (body.summary.valid === 0) say(text.nothingToImport, "warning");
  else say(fill(text.checked, { rows: number.format(body.summary.totalRows) }), "success");
  $("ic-preview").hidden = false;
  $("ic-commit").hidden = false;
  $("ic-preview-title").focus({ preventScroll: true });
  $("ic-preview").scrollIntoView({ behavior: "smooth", block: "start" });
}

// The same upload checked again: after people were added or linked, or with matching by name turned on or
// off. A commit prepared for the earlier check is dropped (its key named the other choice).
async function previewAgain() {
  if (!state.upload || state.busy || (state.commit && state.commit.done)) return;
  state.commit = null;
  setBusy(true);
  try {
    await runPreview();
  } catch (error) {
    sayError(error, retryButton(previewAgain));
  } finally {
    setBusy(false);
  }
}

$("ic-preview-again").addEventListener("click", previewAgain);
matchByName.addEventListener("change", previewAgain);

// --- step 3: commit -------------------------------------------------------------------------------

const commitButton = $("ic-commit-button");
const progressBar = $("ic-progress-bar");

function onError() {
  return root.querySelector("input[name=on_error]:checked").value;
}

function canCommit() {
  if (!state.preview || (state.commit && state.commit.done)) return false;
  const { valid, invalid } = state.preview.summary;
  return valid > 0 && (invalid === 0 || onError() === "skip");
}

function syncCommitButton() {
  const { valid, invalid } = state.preview.summary;
  commitButton.textContent =
    valid === 0
      ? text.importNothing
      : fill(text[`import${invalid ? "Valid" : "All"}${valid === 1 ? "One" : ""}`], { count: number.format(valid) });
  commitButton.disabled = state.busy || !canCommit();
}

root.addEventListener("change", (event) => {
  if (event.target.name === "on_error" && state.preview) syncCommitButton();
});

function showProgress(processed, total) {
  const safeTotal = Math.max(total, processed, 1);
  progressBar.max = safeTotal;
  progressBar.value = processed;
  progressBar.setAttribute("aria-valuemin", "0");
  progressBar.setAttribute("aria-valuemax", String(safeTotal));
  progressBar.setAttribute("aria-valuenow", String(processed));
  const percent = Math.round((processed / safeTotal) * 100);
  const label = fill(text.rowsProgress, {
    processed: number.format(processed),
    total: number.format(total),
    percent,
  });
  progressBar.setAttribute("aria-valuetext", label);
  $("ic-progress-text").textContent = label;
}

// The idempotency key and commit token stay with the upload until the server gives a final answer, so
// a retry after a lost connection returns the same batch instead of importing twice.
async function commit() {
  if (!canCommit() || state.busy) return;
  setBusy(true);
  $("ic-on-error").disabled = true;
  $("ic-progress").hidden = false;
  $("ic-result").hidden = true;
  showProgress(0, state.preview.summary.totalRows);
  say(text.committing);
  try {
    if (!state.commit) {
      const prepared = await api(root.dataset.prepareUrl, { method: "POST", json: { uploadId: state.upload.id } });
      state.commit = {
        token: prepared.body.commitToken,
        key: newKey(),
        onError: onError(),
        // As the rows shown were checked (the box may have changed while the commit was being retried).
        matchByName: Boolean(state.preview.matchByName),
      };
    }
    const { status: code, body } = await api(root.dataset.commitUrl, {
      method: "POST",
      json: {
        commitToken: state.commit.token,
        idempotencyKey: state.commit.key,
        onError: state.commit.onError,
        matchByName: state.commit.matchByName,
        async: true,
      },
    });
    let batch = code === 202 ? body.batch : body;
    const job = await followJob(batch.jobId, (tick) => showProgress(tick.processed, tick.total));
    showProgress(job.processed, job.total);
    batch = (await api(`${root.dataset.batchesUrl}${batch.id}`)).body;
    state.commit.done = true;
    showResult(batch);
    say(fill(text.committed, { id: batch.id }), "success");
    refreshHistory(1);
  } catch (error) {
    if (!error.retryable) {
      // A final answer (rows invalid, token expired, ...): the next attempt starts afresh.
      state.commit = null;
      $("ic-on-error").disabled = false;
      $("ic-progress").hidden = true;
      if (error.details && error.details.batchId) refreshHistory(1);
    }
    sayError(error, error.retryable ? retryButton(commit) : null);
  } finally {
    setBusy(false);
  }
}

function newKey() {
  if (window.crypto && crypto.randomUUID) return `ic-${crypto.randomUUID()}`;
  return `ic-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function showResult(batch) {
  const notImported = batch.skippedCount + batch.failedCount;
  const parts = [
    [text.result.created, batch.createdCount],
    [text.result.updated, batch.updatedCount],
    [text.result.unchanged, batch.unchangedCount],
    [text.result.skipped, notImported],
  ];
  const box = $("ic-result");
  box.replaceChildren(
    el("h3", {}, fill(text.committed, { id: batch.id })),
    el(
      "ul",
      { class: "ic-counters ic-counters-small" },
      parts.map(([label, value]) =>
        el("li", { class: value ? "" : "is-zero" }, el("span", { class: "n" }, number.format(value)), el("span", { class: "l" }, label)),
      ),
    ),
    notImported
      ? el(
          "a",
          { class: "button small", href: `${root.dataset.batchesUrl}${batch.id}/errors.csv`, download: true },
          text.downloadErrors,
        )
      : null,
  );
  box.hidden = false;
  commitButton.hidden = true;
  $("ic-on-error").hidden = true;
  $("ic-again").textContent = text.another;
}

commitButton.addEventListener("click", commit);
$("ic-again").addEventListener("click", () => {
  resetSteps();
  say("");
  drop.focus();
});

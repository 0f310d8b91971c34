// The Import Center: a client of the import API (docs/imports.md). The page works without this file
// (template download, batch history, export form); this adds upload, preview, commit with progress,
// rollback and the export download, each answering with a readable message, never a blank failure.
const root = document.getElementById("import-center");
const text = JSON.parse(document.getElementById("import-center-text").textContent);
const $ = (id) => document.getElementById(id);
const POLL_MS = [300, 500, 800, 1200, 2000];
const PREVIEW_LIMIT = 200;
const FILE_TYPES = /\.(csv|txt|xlsx)$/i;

// htmx would otherwise write style="" while settling swapped elements, which the CSP refuses.
if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];

const lang = document.documentElement.lang || "en";
const number = new Intl.NumberFormat(lang);
const fill = (template, values) =>
  template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));

function bytes(size) {
  const units = ["B", "KB", "MB", "GB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

// --- talking to the API ---------------------------------------------------------------------------

class ApiError extends Error {
  constructor(message, { status = 0, code = "", details = {}, retryable = false } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryable = retryable;
  }
}

function errorFrom(status, body) {
  const error = body && body.error;
  if (error && error.message) {
    return new ApiError(error.message, {
      status,
      code: error.code || "",
      details: error.details || {},
      retryable: status >= 500 || status === 429,
    });
  }
  return new ApiError(fill(text.serverError, { status }), { status, retryable: true });
}

async function api(url, { method = "GET", json } = {}) {
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  } catch {
    throw new ApiError(text.network, { retryable: true });
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: a proxy's error page; the status says enough.
  }
  if (!response.ok) throw errorFrom(response.status, body);
  return { status: response.status, body };
}

function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const form = new FormData();
    form.append("file", file, file.name);
    request.open("POST", root.dataset.uploadUrl);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    request.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // handled below
      }
      if (request.status === 201 && body) resolve(body);
      else reject(errorFrom(request.status, body));
    });
    request.addEventListener("error", () => reject(new ApiError(text.network, { retryable: true })));
    request.send(form);
  });
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Poll a job until it finishes; `onTick` sees each state. Network hiccups are retried, not fatal.
async function followJob(jobId, onTick) {
  for (let attempt = 0; ; attempt += 1) {
    let job;
    try {
      job = (await api(`${root.dataset.jobsUrl}${jobId}`)).body;
    } catch (error) {
      if (!error.retryable || attempt > 30) throw error;
      await wait(2000);
      continue;
    }
    onTick(job);
    if (job.status === "completed") return job;
    if (job.status === "failed" || job.status === "canceled") {
      throw new ApiError(job.errorMessage || fill(text.serverError, { status: job.status }), {
        code: job.errorCode,
        details: (job.result && job.result.details) || {},
      });
    }
    await wait(POLL_MS[Math.min(attempt, POLL_MS.length - 1)]);
  }
}

// --- messages -------------------------------------------------------------------------------------

const status = $("ic-status");

function say(message, kind = "info", action = null) {
  status.replaceChildren();
  if (!message) return;
  const box = el("div", { class: `alert alert-${kind}` }, el("span", {}, message));
  if (action) box.append(" ", action);
  status.append(box);
}

function sayError(error, action = null) {
  const lines = [];
  const rows = (error.details && error.details.errors) || [];
  for (const row of rows.slice(0, 5)) lines.push(el("li", {}, `${row.line}: ${row.message}`));
  say(error.message, "error", action);
  if (lines.length) status.firstChild.append(el("ul", { class: "ic-error-lines" }, lines));
}

// --- step 1: upload -------------------------------------------------------------------------------

const state = { upload: null, preview: null, commit: null, busy: false };
const fileInput = $("ic-file");
const drop = $("ic-drop");
const uploadMeter = $("ic-upload-meter");
const uploadBar = $("ic-upload-bar");

function setBusy(busy) {
  state.busy = busy;
  drop.disabled = busy;
  $("ic-commit-button").disabled = busy || !canCommit();
  $("ic-again").disabled = busy;
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

function retryButton(action) {
  const button = el("button", { type: "button", class: "small" }, text.retry);
  button.addEventListener("click", action, { once: true });
  return button;
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
    json: { uploadId: state.upload.id, previewLimit: PREVIEW_LIMIT },
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
  renderPreview(body);
  if (body.summary.valid === 0) say(text.nothingToImport, "warning");
  else say(fill(text.checked, { rows: number.format(body.summary.totalRows) }), "success");
  $("ic-preview").hidden = false;
  $("ic-commit").hidden = false;
  $("ic-preview-title").focus({ preventScroll: true });
  $("ic-preview").scrollIntoView({ behavior: "smooth", block: "start" });
}

function fieldLabel(key) {
  const punch = /^check_?(in|out)_?(\d+)$/i.exec(key);
  if (punch) return fill(text.fields[`check_${punch[1].toLowerCase()}`], { n: punch[2] });
  const snake = key.replace(/([A-Z])/g, "_$1").toLowerCase();
  return text.fields[snake] || key;
}

function clock(iso, workDate) {
  if (!iso) return text.none;
  const time = iso.slice(11, 16);
  return iso.slice(0, 10) > workDate ? `${time} (${text.nextDay})` : time;
}

function duration(minutes) {
  if (minutes === undefined || minutes === null) return text.none;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

function renderPreview(preview) {
  const { detection, summary } = preview;
  $("ic-d-file").textContent = state.upload.filename || text.none;
  $("ic-d-format").textContent = text.formats[detection.format] || detection.format;
  $("ic-d-encoding").textContent = `${(detection.encoding || detection.fileType || "").toUpperCase()}`;
  $("ic-d-header").textContent = detection.headerLine ? number.format(detection.headerLine) : text.none;

  for (const item of $("ic-counters").children) {
    const value = summary[item.dataset.key] || 0;
    item.querySelector(".n").textContent = number.format(value);
    item.classList.toggle("is-zero", value === 0);
  }

  const fieldOf = Object.fromEntries(Object.entries(detection.mapping || {}).map(([k, h]) => [h, k]));
  $("ic-mapping").replaceChildren(
    ...(detection.headers || []).map((header) =>
      el(
        "tr",
        { class: fieldOf[header] ? "" : "is-ignored" },
        el("td", {}, header || text.none),
        el("td", {}, fieldOf[header] ? fieldLabel(fieldOf[header]) : text.ignored),
      ),
    ),
  );

  const kinds = Object.entries(summary.errorCounts || {});
  $("ic-error-kinds-box").hidden = kinds.length === 0;
  const example = {};
  for (const error of preview.errors || []) example[error.code] ??= error.message;
  $("ic-error-kinds").replaceChildren(
    ...kinds.map(([code, count]) =>
      el(
        "li",
        {},
        el("span", { class: "badge bad" }, number.format(count)),
        " ",
        el("code", {}, code),
        example[code] ? el("span", { class: "small muted" }, ` ${example[code]}`) : null,
      ),
    ),
  );

  $("ic-rows").replaceChildren(...preview.rows.map(previewRow));
  const note = $("ic-rows-note");
  const hidden = summary.totalRows - preview.rows.length;
  const notes = [];
  if (hidden > 0) notes.push(fill(text.moreRows, { shown: preview.rows.length, total: number.format(summary.totalRows) }));
  if (preview.errorsTruncated) notes.push(text.errorsTruncated);
  note.textContent = notes.join(" ");
  note.hidden = notes.length === 0;

  const skip = root.querySelector("input[name=on_error][value=skip]");
  const reject = root.querySelector("input[name=on_error][value=reject]");
  (summary.invalid > 0 ? skip : reject).checked = true;
  $("ic-on-error").hidden = summary.invalid === 0;
  syncCommitButton();
}

function previewRow(row) {
  const ok = row.state === "valid";
  const stateBadge = el("span", { class: `badge state-${row.state}` }, text.states[row.state] || row.state);
  const line = el("td", { class: "ic-line" }, String(row.line));
  if (!ok && row.workDate === undefined) {
    // A row that could not be read: its cells and what is wrong with them.
    return el(
      "tr",
      { class: `is-${row.state}`, "data-line": row.line },
      line,
      el("td", {}, stateBadge),
      el(
        "td",
        { colspan: "7" },
        el("div", { class: "ic-cells" }, (row.cells || []).filter((cell) => cell !== "").join(" · ")),
        errorList(row.errors),
      ),
    );
  }
  return el(
    "tr",
    { class: ok ? "" : `is-${row.state}`, "data-line": row.line },
    line,
    el("td", {}, stateBadge),
    el("td", {}, row.memberName || text.none, ok ? null : errorList(row.errors)),
    el("td", { class: "ic-nowrap" }, row.workDate || text.none),
    el("td", { class: "ic-nowrap" }, clock(row.firstInAt, row.workDate)),
    el("td", { class: "ic-nowrap" }, clock(row.lastOutAt, row.workDate)),
    el("td", {}, duration(row.workedMinutes)),
    el(
      "td",
      {},
      row.status ? el("span", { class: `badge status-${row.status}` }, text.statuses[row.status] || row.status) : "",
    ),
    el("td", {}, ok ? text.actions[row.action] || row.action || "" : ""),
  );
}

function errorList(errors) {
  if (!errors || !errors.length) return null;
  return el(
    "ul",
    { class: "ic-row-errors" },
    errors.map((error) => el("li", {}, el("code", {}, error.code), " ", error.message)),
  );
}

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
      state.commit = { token: prepared.body.commitToken, key: newKey(), onError: onError() };
    }
    const { status: code, body } = await api(root.dataset.commitUrl, {
      method: "POST",
      json: {
        commitToken: state.commit.token,
        idempotencyKey: state.commit.key,
        onError: state.commit.onError,
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

// --- batch history and rollback -------------------------------------------------------------------

const history = $("batch-history");

async function refreshHistory(page) {
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
            el("li", {}, `${record.memberName || record.memberId} · ${record.workDate} · ${record.state}`),
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

// --- export ---------------------------------------------------------------------------------------

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

// Step 2's report: the detected format, the counters, the column mapping, errors by code and the rows.
import { $, day, el, fill, number, root, text } from "./dom.js";

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

export function renderPreview(preview, filename) {
  const { detection, summary } = preview;
  $("ic-d-file").textContent = filename || text.none;
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

  renderUnmatched(preview);
  $("ic-rows").replaceChildren(...preview.rows.map(previewRow));
  renderRowFilter(preview.rows);
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
}

// The people no member matched: what the file says of them and their rows, so that they can be added or
// linked before the file is checked again.
function renderUnmatched(preview) {
  const people = preview.unmatched || [];
  $("ic-unmatched-box").hidden = people.length === 0;
  $("ic-unmatched").replaceChildren(
    ...people.map((person) =>
      el(
        "tr",
        {},
        el("td", {}, person.dingtalkUserId || text.none),
        el("td", {}, person.employeeNo || text.none),
        el("td", {}, person.name || text.none),
        el(
          "td",
          {},
          number.format(person.rows),
          el(
            "div",
            { class: "small muted" },
            fill(text.unmatchedLines, {
              lines: person.lines.join(", ") + (person.rows > person.lines.length ? ", …" : ""),
            }),
          ),
        ),
      ),
    ),
  );
  const note = $("ic-unmatched-note");
  note.textContent = preview.unmatchedTruncated ? text.unmatchedTruncated : "";
  note.hidden = !preview.unmatchedTruncated;
}

// "Errors only": a switch that hides the rows with nothing to look at, and how many there are of each.
function renderRowFilter(rows) {
  const errors = rows.filter((row) => row.state !== "valid").length;
  const warned = rows.filter((row) => row.state === "valid" && (row.warnings || []).length).length;
  const ok = rows.length - errors - warned;
  $("ic-row-counts").textContent = fill(text.rowCounts, {
    errors: number.format(errors),
    warnings: number.format(warned),
    ok: number.format(ok),
  });
  const toggle = $("ic-errors-only");
  toggle.disabled = rows.length === 0;
  applyRowFilter();
  $("ic-rows-empty").dataset.problems = String(errors + warned);
}

function applyRowFilter() {
  const only = $("ic-errors-only").checked;
  const table = root.querySelector("[data-testid=preview-rows]");
  table.classList.toggle("errors-only", only);
  const empty = $("ic-rows-empty");
  empty.hidden = !(only && empty.dataset.problems === "0");
}

$("ic-errors-only").addEventListener("change", applyRowFilter);

function warningList(warnings) {
  if (!warnings || !warnings.length) return null;
  return el(
    "ul",
    { class: "ic-row-warnings" },
    warnings.map((warning) => el("li", { "data-code": warning.code }, warning.message)),
  );
}

function previewRow(row) {
  const ok = row.state === "valid";
  const warned = ok && (row.warnings || []).length > 0;
  const stateBadge = warned
    ? el("span", { class: "badge state-warning" }, text.states.warning)
    : el("span", { class: `badge state-${row.state}` }, text.states[row.state] || row.state);
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
    { class: ok ? (warned ? "is-warning" : "is-ok") : `is-${row.state}`, "data-line": row.line },
    line,
    el("td", {}, stateBadge),
    el("td", {}, row.memberName || text.none, ok ? warningList(row.warnings) : errorList(row.errors)),
    el("td", { class: "ic-nowrap" }, row.workDate ? day(row.workDate) : text.none),
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

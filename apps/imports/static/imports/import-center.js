// The Import Center: a client of the import API (docs/imports.md). The page works without this file
// (template download, batch history, export form); this adds upload, preview, commit with progress,
// rollback and the export download, each answering with a readable message, never a blank failure.
// The parts are ES modules in import-center/: dom (shared helpers), api (calls, upload, job polling),
// messages, preview-table (step 2's report), steps (upload, preview, commit), history (and rollback),
// export. Each sets up its own listeners when loaded.
import "./import-center/dom.js";
import "./import-center/api.js";
import "./import-center/messages.js";
import "./import-center/preview-table.js";
import "./import-center/history.js";
import "./import-center/steps.js";
import "./import-center/export.js";

// htmx would otherwise write style="" while settling swapped elements, which the CSP refuses.
if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];

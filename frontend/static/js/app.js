// Small behaviours shared by every page. No inline script anywhere: the CSP forbids it.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form.requestSubmit();
  }
});

// Copy to the clipboard: <button data-copy="#input-id" data-copied="Copied">. The field is selected first,
// so a browser without the Clipboard API (or a page not in a secure context) leaves it ready for Ctrl+C.
document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  const field = button && document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    button.dataset.label ??= button.textContent;
    button.textContent = button.dataset.copied || button.dataset.label;
    setTimeout(() => { button.textContent = button.dataset.label; }, 2000);
  } catch {
    // Selected: the person copies it by hand.
  }
});

// A table wider than the screen scrolls inside its .table-wrap. A keyboard user must be able to reach the
// wrapper to scroll it, so a wrapper that scrolls is focusable (and named after its table's heading), and
// stops being so when the table fits. Checked on load, on resize and after htmx swaps in new content.
const markScrollingTables = () => {
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      const heading = wrap.closest("section, .card")?.querySelector("h1, h2, h3");
      if (heading && !wrap.hasAttribute("aria-label")) wrap.setAttribute("aria-label", heading.textContent.trim());
    } else if (wrap.getAttribute("tabindex") === "0") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
    }
  }
};
markScrollingTables();
window.addEventListener("resize", markScrollingTables);
document.addEventListener("htmx:afterSettle", markScrollingTables);

// A confirmation before a step that is hard to take back (clock-out, cancelling a request):
// <button data-confirm="Question?" data-confirm-yes="Clock out" data-confirm-no="Keep working">. The submit is
// held in the capture phase (before htmx's own listener on the form), the page's one <dialog> asks, and "yes"
// clicks the button again, so htmx sees the same button (and its name/value) as for an unconfirmed click.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const dialog = document.getElementById("confirm-dialog");
  if (!button || !button.dataset.confirm || !dialog || typeof dialog.showModal !== "function") return;
  if (button.dataset.confirmed === "1") {
    delete button.dataset.confirmed;
    return;
  }
  event.preventDefault();
  event.stopImmediatePropagation();
  const yes = dialog.querySelector("[value=yes]");
  const no = dialog.querySelector("[value=no]");
  dialog.querySelector("#confirm-question").textContent = button.dataset.confirm;
  yes.textContent = button.dataset.confirmYes || yes.dataset.default;
  no.textContent = button.dataset.confirmNo || no.dataset.default;
  dialog.returnValue = "";
  dialog.addEventListener("close", () => {
    if (dialog.returnValue !== "yes" || !button.isConnected) return;
    button.dataset.confirmed = "1";
    button.click();
  }, { once: true });
  dialog.showModal();
  no.focus();
}, true);

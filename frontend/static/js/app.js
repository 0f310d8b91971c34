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

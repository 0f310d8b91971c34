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

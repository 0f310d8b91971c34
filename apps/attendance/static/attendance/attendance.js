// Behaviour of the attendance pages. Everything works without it (plain forms post and redirect); this
// file only makes the pages nicer: error answers swapped in place, fields shown for the chosen kind,
// the browser's location for geofenced punches, "select all" in the approver inbox, the running timer.
(() => {
  // When htmx swaps in an element whose id was already on the page it "settles" a few attributes, and for
  // `style` it writes style="" even when neither copy had one: an inline style the CSP refuses.
  if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];

  // htmx leaves 4xx answers unswapped by default; ours carry the form or row with the service's message.
  const SWAPPED_ERRORS = new Set([400, 409, 422]);
  document.addEventListener("htmx:beforeSwap", (event) => {
    const { xhr, requestConfig } = event.detail;
    if (SWAPPED_ERRORS.has(xhr.status) && requestConfig.elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  const fieldOf = (form, name) => form.querySelector(`.field-${name}`);
  const show = (element, visible) => element && element.toggleAttribute("hidden", !visible);

  function syncAdjustment(form) {
    const kind = form.querySelector("select[name=kind]").value;
    show(fieldOf(form, "in_time"), kind !== "missed_check_out");
    show(fieldOf(form, "out_time"), kind !== "missed_check_in");
    show(fieldOf(form, "out_next_day"), kind !== "missed_check_in");
  }

  function syncLeave(form) {
    const select = form.querySelector("select[name=leave_type]");
    const units = JSON.parse(select.dataset.units || "{}");
    const unit = units[select.value];
    show(fieldOf(form, "half"), unit === "half_day");
    show(fieldOf(form, "hours"), unit === "hour");
  }

  function locate(form) {
    if (!("geolocation" in navigator)) return;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.querySelector("input[name=lat]").value = position.coords.latitude.toFixed(6);
        form.querySelector("input[name=lon]").value = position.coords.longitude.toFixed(6);
        form.querySelector("input[name=accuracy]").value = Math.round(position.coords.accuracy);
      },
      () => {}, // refused or unavailable: the punch goes without a location and the server decides
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  }

  // The Today panel's timer while clocked in: the server renders when the stretch began and its own
  // clock, so a wrong clock on the device does not skew it; this only keeps the face moving.
  const pad = (n) => String(n).padStart(2, "0");
  function startTimers(root) {
    root.querySelectorAll("[data-timer-since]").forEach((element) => {
      if (element.dataset.ticking) return;
      element.dataset.ticking = "1";
      const since = Number(element.dataset.timerSince) * 1000;
      const skew = Number(element.dataset.serverNow) * 1000 - Date.now();
      const timer = setInterval(() => {
        if (!element.isConnected) {
          clearInterval(timer);
          return;
        }
        const seconds = Math.max(0, Math.floor((Date.now() + skew - since) / 1000));
        const hours = Math.floor(seconds / 3600);
        element.textContent = `${hours}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
      }, 1000);
    });
  }

  function setUp(root) {
    startTimers(root);
    root.querySelectorAll("form[data-adjustment-form]").forEach(syncAdjustment);
    root.querySelectorAll("form[data-leave-form]").forEach(syncLeave);
    root.querySelectorAll("form[data-geolocate]").forEach(locate);
  }

  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (!form) return;
    if (form.hasAttribute("data-adjustment-form") && event.target.name === "kind") syncAdjustment(form);
    if (form.hasAttribute("data-leave-form") && event.target.name === "leave_type") syncLeave(form);
    if (event.target.hasAttribute("data-select-all")) {
      event.target.closest("table").querySelectorAll("tbody input[type=checkbox]").forEach((box) => {
        box.checked = event.target.checked;
      });
    }
  });

  // htmx fires htmx:load for the page once it is ready, then for every section it swaps in.
  document.addEventListener("htmx:load", (event) => setUp(event.detail.elt));
})();

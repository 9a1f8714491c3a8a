// Dealer portal: the little behaviour htmx does not give. No inline script
// anywhere (the CSP forbids it); everything degrades to plain links and forms.
(function () {
  "use strict";
  // Close the menus when a link inside them is followed.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("#nav a, details.user-menu a");
    if (a) {
      var t = document.getElementById("menu-toggle");
      if (t) { t.checked = false; }
      document.querySelectorAll("details[open].user-menu").forEach(function (d) { d.open = false; });
    }
  });
  // The menu button works from the keyboard too.
  document.addEventListener("keydown", function (e) {
    if ((e.key === "Enter" || e.key === " ") && e.target.classList && e.target.classList.contains("menu-button")) {
      e.preventDefault();
      var t = document.getElementById("menu-toggle");
      if (t) { t.checked = !t.checked; }
    }
  });
  // Destructive actions ask first: <form data-confirm="…">. htmx's hx-confirm
  // covers boosted forms; this covers plain ones when htmx did not load.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!window.htmx && f.dataset && f.dataset.confirm) {
      if (!window.confirm(f.dataset.confirm)) {
        e.preventDefault();
        return;
      }
      // Asked here: no confirmation page from the server (_ask).
      var ask = f.querySelector("input[name=_ask]");
      if (ask) { ask.value = ""; }
    }
    if (!window.htmx) {
      // Without htmx, stop a second click from posting twice.
      var b = f.querySelector("button[type=submit]");
      if (b) { setTimeout(function () { b.disabled = true; }, 0); }
    }
  }, true);
  // "Select all" checkboxes for bulk actions: <input type=checkbox data-select-all="name">.
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.dataset && t.dataset.selectAll) {
      document.querySelectorAll('input[type=checkbox][name="' + t.dataset.selectAll + '"]').forEach(function (c) { c.checked = t.checked; });
    }
  });
  // After an htmx swap, move focus to the new content for screen readers.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "main") {
      var h = e.detail.target.querySelector("h1");
      if (h) { h.setAttribute("tabindex", "-1"); h.focus({ preventScroll: true }); }
    }
  });
})();
document.addEventListener("click", function (e) {
  var t = e.target.closest && e.target.closest("[data-print],[data-back]");
  if (!t) { return; }
  if (t.hasAttribute("data-print")) { e.preventDefault(); window.print(); }
  else if (history.length > 1) { e.preventDefault(); history.back(); }
});
// Pickers (partials/picker): the filter box hides the choices that do not
// match as one types (a chosen one always shows); Enter filters rather than
// submitting, except in a customer picker, whose matches the server finds.
(function () {
  "use strict";
  function pickFilter(f) {
    var box = f.closest("[data-picker]"), q = f.value.trim().toLowerCase(), shown = 0;
    box.querySelectorAll(".pick").forEach(function (l) {
      var hit = !q || l.textContent.toLowerCase().indexOf(q) >= 0 || l.querySelector("input").checked;
      l.hidden = !hit;
      if (hit) { shown++; }
    });
    var none = box.querySelector("[data-picker-none]");
    if (none) { none.hidden = shown > 0 || !q; }
  }
  function showPickers() {
    document.querySelectorAll("[data-picker-js]").forEach(function (d) { d.hidden = false; });
  }
  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("[data-picker-filter]")) { pickFilter(e.target); }
  });
  // The count of chosen ones follows the ticks.
  document.addEventListener("change", function (e) {
    var box = e.target.closest && e.target.closest("[data-picker]"), n = box && box.querySelector(".picker-count");
    if (n && e.target.matches(".pick input")) {
      n.textContent = n.textContent.replace(/\d+/, box.querySelectorAll(".pick input:checked:not([value=''])").length);
    }
  });
  document.addEventListener("keydown", function (e) {
    var f = e.target;
    if (e.key !== "Enter" || !f.matches || !f.matches("[data-picker-filter]")) { return; }
    e.preventDefault();
    var go = f.closest("[data-picker]").querySelector(".picker-go");
    if (go && f.closest("[data-picker-server]")) { go.click(); } else { pickFilter(f); }
  });
  document.addEventListener("htmx:afterSwap", showPickers);
  showPickers();
})();

// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // "Copy link" buttons: shown only when the clipboard API exists; the readonly input works without it.
  function enableCopy(button) {
    var target = document.querySelector(button.dataset.copy);
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.value).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  }

  // ← and → follow the page's rel=prev / rel=next links (units, layers), unless typing in a field.
  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement && document.activeElement.tagName)) return;
    var rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
    var link = rel && document.querySelector('link[rel="' + rel + '"]');
    if (link) window.location.href = link.href;
  }

  // Checkboxes with data-remember (e.g. "show activation maps") keep their state across pages; CSS does the showing.
  function remember(box) {
    var key = box.dataset.remember;
    try {
      if (window.localStorage.getItem(key) !== null) box.checked = window.localStorage.getItem(key) === "1";
      box.addEventListener("change", function () { window.localStorage.setItem(key, box.checked ? "1" : "0"); });
    } catch (e) { /* storage disabled: the checkbox still works for this page */ }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(enableCopy);
    document.querySelectorAll("input[type=checkbox][data-remember]").forEach(remember);
    document.addEventListener("keydown", onKey);
  });
})();

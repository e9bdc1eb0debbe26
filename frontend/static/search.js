// The header search box suggests as you type: the top results of /api/v1/search/suggest in a listbox under it.
// Progressive enhancement only: without this file the box submits to /search, which lists the same results.
(function () {
  "use strict";

  var DELAY_MS = 120; // wait for a pause in typing before asking

  function enable(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list || !window.fetch) return;
    var timer = null, asked = 0, active = -1;

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function option(hit, i) {
      var item = document.createElement("li"), link = document.createElement("a"), detail = document.createElement("span");
      item.id = list.id + "-" + i;
      item.setAttribute("role", "option");
      link.href = hit.url;
      link.tabIndex = -1;
      link.textContent = hit.title;
      detail.className = "detail";
      detail.textContent = hit.kind + " · " + hit.detail;
      link.appendChild(detail);
      item.appendChild(link);
      return item;
    }

    function show(found) {
      list.replaceChildren.apply(list, found.hits.map(option));
      if (!found.hits.length) return close();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function ask() {
      var q = input.value.trim(), ticket = ++asked;
      clearTimeout(timer);
      if (!q) return close();
      timer = setTimeout(function () {
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { hits: [] }; })
          .then(function (found) { if (ticket === asked) show(found); })
          .catch(close);
      }, DELAY_MS);
    }

    function move(step) {
      var all = options();
      if (!all.length) return;
      if (active >= 0) all[active].removeAttribute("aria-selected");
      active = ((active + 1 + step + all.length + 1) % (all.length + 1)) - 1; // -1: back in the box
      if (active < 0) return input.removeAttribute("aria-activedescendant");
      all[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", all[active].id);
    }

    input.addEventListener("input", ask);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = options()[active].querySelector("a").href;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); }); // let a click on a suggestion land
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest]").forEach(enable);
  });
})();

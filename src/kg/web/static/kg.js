// Progressive enhancement for every page: suggestions under the search box from /api/search.
// Without JavaScript the box is a plain GET form to /search.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var list = document.getElementById("site-search-list");
  if (!input || !list || !window.fetch) return;
  var items = [], active = -1, timer = null, last = "";

  function close() { list.hidden = true; list.innerHTML = ""; items = []; active = -1; input.setAttribute("aria-expanded", "false"); }
  function select(i) {
    active = i;
    items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    if (i >= 0) input.setAttribute("aria-activedescendant", items[i].id); else input.removeAttribute("aria-activedescendant");
  }
  function show(results) {
    list.innerHTML = "";
    items = results.slice(0, 8).map(function (r, i) {
      var li = document.createElement("li");
      li.id = "site-search-opt-" + i; li.setAttribute("role", "option"); li.dataset.href = r.href;
      li.textContent = r.label + " ";
      var kind = document.createElement("span"); kind.className = "kind"; kind.textContent = r.kind + (r.date ? ", " + r.date : "");
      li.appendChild(kind);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); window.location.href = r.href; });
      list.appendChild(li);
      return li;
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    active = -1;
  }
  input.addEventListener("input", function () {
    var q = input.value.trim();
    clearTimeout(timer);
    if (q.length < 2) { close(); return; }
    timer = setTimeout(function () {
      last = q;
      fetch("/api/search?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (input.value.trim() === last) show(data.results || []); })
        .catch(function () { close(); });
    }, 120);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); select(Math.min(active + 1, items.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); select(Math.max(active - 1, -1)); }
    else if (e.key === "Escape") { close(); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); window.location.href = items[active].dataset.href; }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();

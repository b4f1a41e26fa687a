// The paths form: names typed into "From" and "To" get suggestions from /api/search (a <datalist>,
// so the browser's own list is used, keyboard and screen readers included). Without JavaScript the
// form still works: the server resolves names itself and lists the candidates of an ambiguous one.
(function () {
  "use strict";
  if (!window.fetch) return;
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.id + "-list");
    if (!list) return;
    input.setAttribute("list", list.id);
    var timer = null;
    input.addEventListener("input", function () {
      var q = input.value.trim();
      clearTimeout(timer);
      if (q.length < 2) return;
      timer = setTimeout(function () {
        fetch(input.dataset.suggest + "?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            list.innerHTML = "";
            (data.results || []).forEach(function (r) {
              var option = document.createElement("option");
              option.value = r.label;
              option.label = r.kind ? r.label + " (" + r.kind + ")" : r.label;
              list.appendChild(option);
            });
          })
          .catch(function () { list.innerHTML = ""; });
      }, 150);
    });
  });
})();

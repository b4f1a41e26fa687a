// The /sparql page with JavaScript: YASGUI (vendored, no CDN) on our endpoint, examples that load and run
// in one click, IRIs of this dataset linked to their pages on this server, a shareable ?query= URL.
// Without JavaScript the plain form and the server-rendered table do the same job.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  if (!root || !window.Yasgui) return;
  var base = root.dataset.base;
  var endpoint = window.location.origin + root.dataset.endpoint;
  var plain = document.getElementById("plain-editor");
  var initial = document.getElementById("query-text").value;
  var hadQuery = new URLSearchParams(window.location.search).has("query");
  var prefixes = JSON.parse(document.getElementById("sparql-prefixes").textContent);
  var examples = JSON.parse(document.getElementById("sparql-examples").textContent);

  root.hidden = false;
  plain.hidden = true;
  var server = document.getElementById("server-results");
  if (server) server.hidden = true;

  var yasgui = new window.Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "GET", acceptHeaderSelect: "application/sparql-results+json",
                     acceptHeaderGraph: "text/turtle" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { value: initial, autocompleters: ["prefixes", "variables"], persistenceId: null,
             editorHeight: "320px", resizeable: true },
    yasr: { prefixes: prefixes, persistenceId: null }
  });

  function tab() { return yasgui.getTab(); }
  function localHref(href) {
    if (href && href.indexOf(base) === 0) {
      var local = href.slice(base.length);
      return local.indexOf("ontology#") === 0 ? "/ontology.html#" + local.slice(9) : "/" + local;
    }
    return null;
  }
  // IRIs of this dataset open their page on this server (the base may name another host).
  new MutationObserver(function () {
    root.querySelectorAll(".yasr a[href]").forEach(function (a) {
      var local = localHref(a.getAttribute("href"));
      if (local) { a.setAttribute("href", local); a.removeAttribute("target"); }
    });
  }).observe(root, { childList: true, subtree: true });
  // ... and open in this tab (YASR opens result links in a new one).
  root.addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest(".yasr a[href]");
    if (!a || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var local = localHref(a.getAttribute("href")) || (a.getAttribute("href").charAt(0) === "/" ? a.getAttribute("href") : null);
    if (local) { event.preventDefault(); event.stopPropagation(); window.location.href = local; }
  }, true);

  var shareLine = document.getElementById("share-line");
  var shareLink = document.getElementById("share-link");
  yasgui.on("query", function (instance, t) {
    var url = "/sparql?" + new URLSearchParams({ query: t.getQuery() }).toString();
    shareLink.href = url;
    shareLine.hidden = false;
    shareLine.querySelectorAll("a[download]").forEach(function (a) { a.remove(); });
    ["csv", "json"].forEach(function (f) {
      var a = document.createElement("a");
      a.href = url + "&format=" + f; a.textContent = f.toUpperCase(); a.setAttribute("download", "");
      shareLine.appendChild(document.createTextNode(" · ")); shareLine.appendChild(a);
    });
    window.history.replaceState(null, "", url);
  });

  document.querySelectorAll("a.example").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var text = examples[link.dataset.name];
      event.preventDefault();
      tab().setQuery(text);
      tab().query();
    });
  });
  if (hadQuery) tab().query();
})();

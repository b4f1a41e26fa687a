// The connections picture: Cytoscape.js (vendored) over /api/network, filters by status, kind and
// date, evidence of the clicked node or edge beside the picture, PNG export of the current view.
// Everything shown comes from the JSON as text (textContent): nothing is parsed as HTML.
(function () {
  "use strict";
  var container = document.getElementById("cy");
  if (!container || !window.cytoscape || !window.fetch) return;

  var STATUS_COLOURS = { confirmed: "#1f6f43", admitted: "#2e6f8e", reported: "#44546a",
                         claimed: "#8a5a00", alleged: "#a4262c", denied: "#5c2d91" };
  var MARKS = { claimed: "?", alleged: "!", denied: "✘" };
  var LINES = { statement: "dashed", event: "dashed", family: "dotted", membership: "dotted",
                country: "dotted", position: "dotted" };
  var SHAPES = { person: "ellipse", org: "round-rectangle", group: "hexagon", country: "diamond" };
  var panel = document.getElementById("network-evidence");
  var count = document.getElementById("network-count");
  var form = document.querySelector(".network-controls");
  // The filters act at once; the form is never sent (here, not in an inline handler, which the CSP refuses).
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function link(text, href) { var a = el("a", text); a.href = href; return a; }
  function badge(status) {
    var a = link((MARKS[status] || "•") + " " + status, "/status/" + status);
    a.className = "status status-" + status;
    return a;
  }
  function claimBlock(claim) {
    var box = el("div", null, "evidence");
    box.appendChild(badge(claim.status));
    if (claim.quote) {
      var q = el("blockquote");
      var a = link("“" + claim.quote + "”", claim.place || claim.href);
      a.className = "quote-link";
      q.appendChild(a);
      box.appendChild(q);
    }
    var credit = el("p", null, "credit");
    if (claim.reportedBy.length) {
      credit.appendChild(document.createTextNode("Reported by "));
      claim.reportedBy.forEach(function (o, i) { if (i) credit.appendChild(document.createTextNode(", ")); credit.appendChild(link(o.label, o.href)); });
      credit.appendChild(document.createTextNode("; "));
    }
    if (claim.accordingTo.length) {
      credit.appendChild(document.createTextNode("according to "));
      claim.accordingTo.forEach(function (o, i) { if (i) credit.appendChild(document.createTextNode(", ")); credit.appendChild(link(o.label, o.href)); });
      credit.appendChild(document.createTextNode("; "));
    }
    if (claim.source) { credit.appendChild(document.createTextNode("stated in ")); credit.appendChild(link(claim.source.label, claim.source.href)); }
    credit.appendChild(document.createTextNode(" · "));
    credit.appendChild(link("claim", claim.href));
    box.appendChild(credit);
    return box;
  }
  function showEdge(d, cy) {
    panel.innerHTML = "";
    panel.appendChild(el("h2", "Evidence"));
    var head = el("p", null, "fact-head");
    head.appendChild(link(cy.$id(d.source).data("label"), cy.$id(d.source).data("href")));
    head.appendChild(document.createTextNode(" (" + d.roles[0] + ") and "));
    head.appendChild(link(cy.$id(d.target).data("label"), cy.$id(d.target).data("href")));
    if (d.roles[1]) head.appendChild(document.createTextNode(" (" + d.roles[1] + ")"));
    panel.appendChild(head);
    var what = el("p");
    what.appendChild(d.via ? link(d.label, d.via) : document.createTextNode(d.label));
    what.appendChild(document.createTextNode(" · " + d.kindLabel + (d.date ? " · " + d.date : " · not dated in the article") + " · "));
    what.appendChild(badge(d.status));
    panel.appendChild(what);
    if (d.hedged) panel.appendChild(el("p", "This connection is " + d.status + ", not established.", "warning"));
    d.claims.forEach(function (c) { panel.appendChild(claimBlock(c)); });
  }
  function showNode(d, cy) {
    panel.innerHTML = "";
    panel.appendChild(el("h2", "Evidence"));
    var head = el("p", null, "fact-head");
    head.appendChild(link(d.label, d.href));
    head.appendChild(document.createTextNode(" · " + d.kind));
    panel.appendChild(head);
    if (d.description) panel.appendChild(el("p", d.description));
    var edges = cy.$id(d.id).connectedEdges(":visible");
    panel.appendChild(el("p", edges.length + " connection" + (edges.length === 1 ? "" : "s") + " shown:"));
    var list = el("ul", null, "plain");
    edges.forEach(function (e) {
      var ed = e.data(), other = ed.source === d.id ? ed.target : ed.source;
      var li = el("li");
      var button = el("button", cy.$id(other).data("label") + ": " + ed.label);
      button.type = "button";
      button.addEventListener("click", function () { select(cy, e); });
      li.appendChild(button);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(badge(ed.status));
      list.appendChild(li);
    });
    panel.appendChild(list);
    d.claims.forEach(function (c) { panel.appendChild(claimBlock(c)); });
  }
  function select(cy, ele) {
    cy.elements().unselect();
    ele.select();
    if (ele.isEdge()) showEdge(ele.data(), cy); else showNode(ele.data(), cy);
  }

  function checked(name) {
    var out = {};
    form.querySelectorAll("input[name=" + name + "]").forEach(function (i) { out[i.value] = i.checked; });
    return out;
  }
  function apply(cy) {
    var statuses = checked("status"), kinds = checked("kind");
    var from = form.elements.from.value + "-01-01", until = form.elements.until.value + "-12-31";
    var undated = form.elements.undated.checked;
    cy.batch(function () {
      cy.edges().forEach(function (e) {
        var d = e.data(), ok = statuses[d.status] && kinds[d.kind];
        if (ok) {
          if (!d.first && !d.last) ok = undated;
          else ok = (d.last || d.first) >= from && (d.first || d.last) <= until;
        }
        e.style("display", ok ? "element" : "none");
      });
      cy.nodes().forEach(function (n) {
        n.style("display", n.connectedEdges().some(function (e) { return e.style("display") === "element"; }) ? "element" : "none");
      });
    });
    var shown = cy.edges().filter(function (e) { return e.style("display") === "element"; }).length;
    count.textContent = shown + " of " + cy.edges().length + " connections shown.";
  }

  fetch("/api/network", { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (elements) {
      var cy = window.cytoscape({
        container: container,
        elements: elements,
        style: [
          { selector: "node", style: { label: "data(label)", "font-size": 10, "text-wrap": "wrap", "text-max-width": 90,
            "text-valign": "bottom", "text-margin-y": 3, color: "#1d2127", "background-color": "#c9d3e0",
            "border-width": 1, "border-color": "#44546a", width: "mapData(degree, 1, 25, 14, 40)",
            height: "mapData(degree, 1, 25, 14, 40)" } },
          { selector: "node[kind = 'person']", style: { shape: SHAPES.person, "background-color": "#dfe8f3" } },
          { selector: "node[kind = 'org']", style: { shape: SHAPES.org, "background-color": "#e8e1f0" } },
          { selector: "node[kind = 'group']", style: { shape: SHAPES.group, "background-color": "#eeeeee" } },
          { selector: "node[kind = 'country']", style: { shape: SHAPES.country, "background-color": "#f3e6d8" } },
          { selector: "edge", style: { width: 2, "curve-style": "bezier", opacity: 0.85,
            "line-color": function (e) { return STATUS_COLOURS[e.data("status")] || "#44546a"; },
            "line-style": function (e) { return LINES[e.data("kind")] || "solid"; },
            label: function (e) { return MARKS[e.data("status")] || ""; }, "font-size": 11, "font-weight": "bold",
            color: function (e) { return STATUS_COLOURS[e.data("status")] || "#44546a"; },
            "text-background-color": "#fff", "text-background-opacity": 1, "text-background-padding": 1 } },
          { selector: ":selected", style: { "overlay-color": "#ffbf47", "overlay-opacity": 0.45, "overlay-padding": 4 } }
        ],
        layout: { name: "circle" }
      });
      cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 400000; },
                  idealEdgeLength: function () { return 90; }, edgeElasticity: function () { return 60; },
                  nodeOverlap: 20, gravity: 0.3, componentSpacing: 60, numIter: 2500, padding: 20 }).run();
      window.kgNetwork = cy;  // for the browser tests and the console
      cy.on("tap", "node, edge", function (evt) { select(cy, evt.target); });
      form.addEventListener("change", function () { apply(cy); });
      document.getElementById("network-fit").addEventListener("click", function () { cy.fit(cy.elements(":visible"), 20); });
      document.getElementById("network-png").addEventListener("click", function () {
        var blob = cy.png({ output: "blob", bg: "#ffffff", full: false, scale: 2 });
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = "kg-network.png";
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
      });
      document.querySelectorAll("button.show-edge").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          var edge = cy.$id(button.dataset.edge);
          if (edge.length) { select(cy, edge); container.scrollIntoView({ block: "nearest" }); }
        });
      });
      apply(cy);
      container.dataset.ready = "true";
    })
    .catch(function (err) {
      container.textContent = "The picture could not be loaded (" + err.message + "); the list below has every connection.";
    });
})();

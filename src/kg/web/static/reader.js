// The source reader with JavaScript: the quote a link points to (#q-START-END, from a claim page) is
// highlighted as a whole and its paragraph's claims opened; a claim's entry (#c-...) opens its list.
(function () {
  "use strict";
  function show() {
    document.querySelectorAll("mark.quote.current").forEach(function (m) { m.classList.remove("current"); });
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    var details = target.closest(".reader-paragraph") && target.closest(".reader-paragraph").querySelector("details");
    if (/^q-\d+-\d+$/.test(id)) {
      var marks = Array.prototype.filter.call(document.querySelectorAll("mark.quote"), function (m) {
        return (m.dataset.places || "").split(" ").indexOf(id) >= 0;
      });
      marks.forEach(function (m) { m.classList.add("current"); });
      if (details) details.open = true;
      if (marks[0]) marks[0].scrollIntoView({ block: "center" });
    } else if (target.tagName === "LI") {
      var list = target.closest("details");
      if (list) list.open = true;
      target.scrollIntoView({ block: "center" });
    }
  }
  window.addEventListener("hashchange", show);
  show();
})();

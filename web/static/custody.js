// Progressive enhancement for every page: a section with data-refresh="SECONDS" re-reads itself
// from the same page every so often (the dashboard updates by itself); without script it is a
// plain page. Also: forms with data-confirm ask before they are sent; data-print links print.
(function () {
  "use strict";
  function refresh(el) {
    var seconds = parseInt(el.getAttribute("data-refresh"), 10) || 10;
    setInterval(function () {
      if (document.hidden) { return; }
      fetch(window.location.pathname + window.location.search, {
        headers: { "Accept": "text/html" }, credentials: "same-origin", cache: "no-store"
      }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(el.id);
        if (fresh) { el.replaceChildren.apply(el, Array.prototype.slice.call(fresh.childNodes)); }
      }).catch(function () {});
    }, seconds * 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refresh][id]"), refresh);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); window.print(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (f) {
      f.addEventListener("submit", function (ev) {
        if (!window.confirm(f.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  });
}());

// Translation status on a change form (wizard/translations_admin.py):
// - a link to "#id_body_nl" opens the language tab holding that field, then shows and focuses the field;
// - each language tab whose field is missing or outdated gets a mark (its input carries data-translation-status).
"use strict";
(function () {
  function tabLinkFor(field) {
    return document.querySelector('.ui-tabs-nav a[href="#tab_' + field.id + '"]');
  }

  function reveal(hash) {
    var field = hash && hash.length > 1 ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
    if (!field) {
      return;
    }
    var tab = tabLinkFor(field);
    if (tab) {
      tab.click();
    }
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  }

  function markTabs() {
    document.querySelectorAll("[data-translation-status]").forEach(function (field) {
      var tab = tabLinkFor(field);
      if (tab) {
        var status = field.getAttribute("data-translation-status");
        tab.setAttribute("data-translation-status", status);
        tab.setAttribute("title", tab.getAttribute("title") + " (" + status + ")");
      }
    });
  }

  // jQuery 3 runs ready handlers asynchronously, so modeltranslation may build its tabs after "load": wait for
  // them (up to two seconds; without jQuery UI there are none, and the fields stand one under the other).
  var tries = 0;
  function start() {
    if (document.querySelector(".mt") && !document.querySelector(".ui-tabs-nav") && tries++ < 40) {
      window.setTimeout(start, 50);
      return;
    }
    markTabs();
    reveal(window.location.hash);
  }

  window.addEventListener("load", start);
  window.addEventListener("hashchange", function () {
    reveal(window.location.hash);
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.translation-badge[href^='#']");
    if (link && link.getAttribute("href") === window.location.hash) {
      reveal(window.location.hash); // a second click on the same badge: hashchange does not fire
    }
  });
})();

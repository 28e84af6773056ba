// What axe-core finds wrong on the step form, in what its libraries draw:
// - modeltranslation's language switch, a select without a name, gets one;
// - modeltranslation's language tabs (jQuery UI) put a link inside each ARIA tab, a control inside a control
//   (axe: nested-interactive). They become what they behave as: a list of links, each showing one language's
//   field, the shown one marked aria-current. jQuery UI sets its tab attributes again at each switch; they are
//   taken off again. Clicks, Enter on a link and the switch work as before.
// Both are drawn by ready handlers that may run after this script's, even after the load event: watch for them.
"use strict";
(() => {
  // aria-controls stays: jQuery UI finds a tab's panel by it (and it is allowed on any element).
  const TAB_ATTRIBUTES = ["role", "tabindex", "aria-selected", "aria-expanded"];

  const nameSwitches = () => {
    document.querySelectorAll("select.modeltranslation-switch:not([aria-label])").forEach((select) => {
      select.setAttribute("aria-label", "Language of every text on this page");
    });
  };

  const plainTabs = () => {
    document.querySelectorAll(".ui-tabs-nav").forEach((list) => {
      if (list.hasAttribute("role")) list.removeAttribute("role");
      list.querySelectorAll(":scope > li").forEach((item) => {
        TAB_ATTRIBUTES.forEach((name) => item.hasAttribute(name) && item.removeAttribute(name));
        const link = item.querySelector("a.ui-tabs-anchor");
        if (!link) return;
        if (link.hasAttribute("tabindex")) link.removeAttribute("tabindex");
        if (link.hasAttribute("role")) link.removeAttribute("role");
        const shown = item.classList.contains("ui-tabs-active");
        if (shown && link.getAttribute("aria-current") !== "true") link.setAttribute("aria-current", "true");
        if (!shown && link.hasAttribute("aria-current")) link.removeAttribute("aria-current");
      });
    });
  };

  const repair = () => {
    nameSwitches();
    plainTabs();
  };

  document.addEventListener("DOMContentLoaded", () => {
    repair();
    new MutationObserver(repair).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["class", ...TAB_ATTRIBUTES],
    });
  });
})();

/* The step form's "Link to a step" and "Link to a site" choosers, and the check of references as one types
   (cms/admin/steptools.py). A chooser searches as one types (debounced), is driven by the keyboard (arrows, Enter,
   Escape) and inserts [text](node:path) or [text](link:key) where the cursor was in the body or note last
   focused. Without script none of this shows, and the form still checks references when it is saved. */
(function () {
  "use strict";
  var SEARCH_DELAY = 250;
  var CHECK_DELAY = 700;
  var panel = document.querySelector(".step-preview");
  var dialog = document.querySelector("dialog.reference-chooser");
  if (!panel || !dialog) {
    return;
  }
  var form = panel.closest("form");
  var fields = Array.prototype.slice.call(form.querySelectorAll("textarea")).filter(function (field) {
    return /^(body|note)_[a-z]{2}$/.test(field.name) && !field.readOnly && !field.disabled;
  });
  var search = dialog.querySelector("#reference-chooser-search");
  var list = dialog.querySelector("#reference-chooser-results");
  var count = dialog.querySelector(".reference-chooser-count");
  var heading = dialog.querySelector("#reference-chooser-title");
  var target = null; // the textarea the reference goes into
  var selection = [0, 0];
  var kind = "node";
  var results = [];
  var active = -1;
  var searchTimer = null;
  var checkTimer = null;
  var searchController = null;

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) {
      made.className = className;
    }
    if (text) {
      made.textContent = text;
    }
    return made;
  }

  // The buttons and the problems list under each body and note.
  fields.forEach(function (field) {
    var tools = element("div", "markdown-tools");
    tools.id = field.id + "-tools";
    [["node", dialog.dataset.titleNode], ["link", dialog.dataset.titleLink]].forEach(function (pair) {
      var button = element("button", "button", pair[1]);
      button.type = "button";
      button.dataset.kind = pair[0];
      button.addEventListener("click", function () { open(field, pair[0]); });
      tools.appendChild(button);
    });
    var problems = element("ul", "reference-problems");
    problems.id = field.id + "-reference-problems";
    problems.setAttribute("aria-live", "polite");
    field.setAttribute("aria-describedby", [field.getAttribute("aria-describedby"), problems.id].filter(Boolean).join(" "));
    // Below the field's row (the admin lays a label and its field out side by side), above its help text.
    var row = field.closest(".flex-container") || field;
    row.insertAdjacentElement("afterend", problems);
    row.insertAdjacentElement("afterend", tools);
  });

  function open(field, chosenKind) {
    target = field;
    // Where the cursor was; a field not focused yet gets the reference at its end.
    selection = field.dataset.focused ? [field.selectionStart, field.selectionEnd] : [field.value.length, field.value.length];
    kind = chosenKind;
    heading.textContent = kind === "link" ? dialog.dataset.titleLink : dialog.dataset.titleNode;
    search.value = "";
    dialog.showModal();
    search.focus();
    find();
  }

  function close() {
    dialog.close();
  }

  function render() {
    list.textContent = "";
    results.forEach(function (found, index) {
      var item = element("li");
      item.id = "reference-choice-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", index === active ? "true" : "false");
      var label = kind === "link" ? found.name : found.title;
      item.appendChild(element("strong", "", label));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(element("code", "", kind === "link" ? found.key : found.path));
      var where = kind === "link" ? found.domain : found.within;
      if (where) {
        item.appendChild(element("span", "where", where));
      }
      item.addEventListener("mousedown", function (event) { event.preventDefault(); });
      item.addEventListener("click", function () { insert(found); });
      list.appendChild(item);
    });
    search.setAttribute("aria-expanded", results.length ? "true" : "false");
    if (active >= 0) {
      search.setAttribute("aria-activedescendant", "reference-choice-" + active);
      var shown = document.getElementById("reference-choice-" + active);
      if (shown) {
        shown.scrollIntoView({ block: "nearest" });
      }
    } else {
      search.removeAttribute("aria-activedescendant");
    }
    count.textContent = results.length ? dialog.dataset.textCount.replace("%s", results.length) : dialog.dataset.textNone;
  }

  function find() {
    if (searchController) {
      searchController.abort();
    }
    searchController = new AbortController();
    var url = panel.dataset.searchUrl + "?kind=" + kind + "&q=" + encodeURIComponent(search.value);
    fetch(url, { credentials: "same-origin", signal: searchController.signal })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        results = answer.results;
        active = results.length ? 0 : -1;
        render();
      })
      .catch(function () {});
  }

  function insert(found) {
    var text = target.value;
    var chosen = text.slice(selection[0], selection[1]);
    var words = chosen || (kind === "link" ? found.name : found.title);
    var reference = "[" + words + "](" + (kind === "link" ? "link:" + found.key : "node:" + found.path) + ")";
    target.value = text.slice(0, selection[0]) + reference + text.slice(selection[1]);
    close();
    target.focus();
    var caret = selection[0] + reference.length;
    target.setSelectionRange(caret, caret);
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }

  search.addEventListener("input", function () {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(find, SEARCH_DELAY);
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (results.length) {
        active = (active + (event.key === "ArrowDown" ? 1 : results.length - 1)) % results.length;
        render();
      }
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (active >= 0 && results[active]) {
        insert(results[active]);
      }
    }
  });
  dialog.querySelector(".reference-chooser-cancel").addEventListener("click", close);
  dialog.addEventListener("close", function () {
    if (target && document.activeElement === document.body) {
      target.focus();
    }
  });

  // The check as one types.
  function showProblems(problems) {
    fields.forEach(function (field) {
      var box = document.getElementById(field.id + "-reference-problems");
      box.textContent = "";
      (problems[field.name] || []).forEach(function (problem) {
        var item = element("li", "", problem.message);
        if (problem.suggestion && problem.target) {
          var fix = element("button", "button", dialog.dataset.textReplace.replace("%s", problem.suggestion));
          fix.type = "button";
          fix.addEventListener("click", function () {
            field.value = field.value.split("(" + problem.target + ")").join("(" + problem.suggestion + ")");
            field.dispatchEvent(new Event("input", { bubbles: true }));
            field.focus();
          });
          item.appendChild(fix);
        }
        box.appendChild(item);
      });
    });
  }

  function check() {
    var data = new FormData(form);
    fetch(panel.dataset.checkUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) { showProblems(answer.problems); })
      .catch(function () {});
  }

  fields.forEach(function (field) {
    field.addEventListener("focus", function () { field.dataset.focused = "yes"; });
    field.addEventListener("input", function () {
      window.clearTimeout(checkTimer);
      checkTimer = window.setTimeout(check, CHECK_DELAY);
    });
  });
  check();
})();

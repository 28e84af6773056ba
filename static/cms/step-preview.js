/* The step form's live preview (cms/admin/steptools.py): the form's unsaved texts are posted, debounced, to the
   preview endpoint, and the page it answers is shown in a sandboxed frame (srcdoc: no script can run in it). A new
   frame is loaded behind the shown one and replaces it once loaded, so the page neither flickers nor adds to the
   browser's history. */
(function () {
  "use strict";
  var DELAY = 600;
  var panel = document.querySelector(".step-preview");
  if (!panel) {
    return;
  }
  var form = panel.closest("form");
  var viewport = panel.querySelector(".step-preview-viewport");
  var status = panel.querySelector(".step-preview-status");
  var language = panel.querySelector("#step-preview-lang");
  var refreshButton = panel.querySelector(".step-preview-refresh");
  var timer = null;
  var controller = null;
  var sent = 0;

  function show(html, number) {
    if (number !== sent) {
      return; // an answer to an earlier request, overtaken
    }
    var frame = document.createElement("iframe");
    frame.className = "step-preview-frame";
    frame.setAttribute("sandbox", "allow-popups allow-popups-to-escape-sandbox");
    frame.title = panel.dataset.frameTitle || "Preview";
    frame.addEventListener("load", function () {
      viewport.querySelectorAll("iframe").forEach(function (old) {
        if (old !== frame) {
          old.remove();
        }
      });
      frame.dataset.lang = language.value;
      status.textContent = panel.dataset.textUpdated;
    }, { once: true });
    frame.srcdoc = html;
    viewport.appendChild(frame);
  }

  function refresh() {
    window.clearTimeout(timer);
    if (controller) {
      controller.abort();
    }
    controller = new AbortController();
    var data = new FormData(form);
    data.set("preview_lang", language.value);
    var number = ++sent;
    status.textContent = panel.dataset.textLoading;
    fetch(panel.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin", signal: controller.signal })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) { show(html, number); })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          status.textContent = panel.dataset.textFailed;
        }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY);
  }

  form.addEventListener("input", function (event) {
    if (event.target.name === "preview_width" || event.target === language || event.target.closest("dialog")) {
      return;
    }
    later();
  });
  language.addEventListener("change", refresh);
  panel.querySelectorAll("input[name=preview_width]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      viewport.classList.toggle("is-phone", radio.value === "phone" && radio.checked);
      viewport.classList.toggle("is-desktop", radio.value === "desktop" && radio.checked);
    });
  });
  // Language tabs: show the language being edited.
  form.addEventListener("focusin", function (event) {
    var match = /_(fr|nl|de|en)$/.exec(event.target.name || "");
    if (match && event.target.matches("input[type=text], textarea") && language.value !== match[1]) {
      language.value = match[1];
      refresh();
    }
  });
  refreshButton.hidden = false;
  refreshButton.addEventListener("click", refresh);
  refresh();
})();

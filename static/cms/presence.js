// Who else has this step's form open (templates/admin/wizard/_presence.html): every few seconds, say "I still have
// it open" to the server (a POST, with the form's CSRF token) and show who else has, as it answers. The page shows
// the same list at load without this script. A failed request waits twice as long before the next (at most a minute).
(function () {
  "use strict";
  const box = document.getElementById("presence");
  if (!box) return;
  const url = box.dataset.url;
  const every = Math.max(Number(box.dataset.every) || 20, 5) * 1000;
  const list = box.querySelector(".presence-people");
  const tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  const token = tokenInput ? tokenInput.value : "";

  function body() {
    const data = new URLSearchParams();
    data.set("csrfmiddlewaretoken", token);
    return data;
  }

  function show(others) {
    list.replaceChildren();
    others.forEach(function (person) {
      const item = document.createElement("li");
      item.textContent = box.dataset.opened.replace("%(user)s", person.user).replace("%(since)s", person.since);
      list.appendChild(item);
    });
    box.hidden = others.length === 0;
  }

  function poll(wait) {
    window.setTimeout(function () {
      fetch(url, { method: "POST", body: body(), credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": token } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (answer) { show(answer.others); poll(every); })
        .catch(function () { poll(Math.min(wait * 2, 60000)); });
    }, wait);
  }

  poll(every);
})();

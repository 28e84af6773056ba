// The step tree remembers which branches are open, over saves, moves and reloads (cms/admin/steptree.py).
// Treebeard's script (treebeard-admin.js) draws the tree and loads a branch's rows when its toggle is clicked; this
// one keeps the ids of the open branches in localStorage, clicks their toggles again as their rows arrive, and
// after a save (the address ends in "#reveal=WIZARD.STEP.….ID") or a drag and drop opens the way to the step it
// concerns and highlights it. Without this script, the tree works as treebeard's, collapsed after each reload.
"use strict";
(() => {
  const OPEN = `cms.step-tree.open:${window.location.pathname}`;
  const REVEAL = `cms.step-tree.reveal:${window.location.pathname}`;

  const readOpen = () => {
    try {
      return new Set(JSON.parse(window.localStorage.getItem(OPEN) || "[]").map(String));
    } catch {
      return new Set();
    }
  };
  const open = readOpen();
  const save = () => window.localStorage.setItem(OPEN, JSON.stringify([...open]));

  const toggleOf = (row) => row.querySelector("a.treebeard-collapse");
  const isCollapsed = (row) => toggleOf(row)?.classList.contains("treebeard-collapsed");
  const rowOf = (id) => document.querySelector(`#result_list tbody tr[data-node-id="${CSS.escape(String(id))}"]`);

  let revealed = null;

  const highlight = (row) => {
    row.classList.add("is-revealed");
    row.scrollIntoView({ block: "center" });
    row.querySelector("th a, td a")?.focus({ preventScroll: true });
  };

  // Treebeard's toggles are empty links: name them, and say whether their branch is open.
  const describe = (row) => {
    const toggle = toggleOf(row);
    if (!toggle) return;
    const title = row.querySelector(".field-source_title a:not(.treebeard-collapse)")?.textContent.trim() || "";
    toggle.setAttribute("aria-label", `${isCollapsed(row) ? "Open" : "Close"} “${title}”`);
    toggle.setAttribute("aria-expanded", String(!isCollapsed(row)));
  };

  // Opens a remembered branch, and highlights the revealed step, as their rows appear.
  const visit = (row) => {
    const id = row.dataset.nodeId;
    if (id === undefined) return;
    describe(row);
    if (open.has(id) && isCollapsed(row)) toggleOf(row).click();
    if (revealed !== null && id === revealed) {
      revealed = null;
      highlight(row);
    }
  };

  // The ids under a row that are loaded: closing a branch forgets the branches inside it too.
  const descendants = (id) => {
    const found = [];
    const queue = [String(id)];
    while (queue.length) {
      const parent = queue.shift();
      document.querySelectorAll(`#result_list tbody tr[data-parent-id="${CSS.escape(parent)}"]`).forEach((child) => {
        found.push(child.dataset.nodeId);
        queue.push(child.dataset.nodeId);
      });
    }
    return found;
  };

  django.jQuery(() => {
    const body = document.querySelector("#result_list tbody");
    if (!body) return;

    const match = window.location.hash.match(/^#reveal=([\d.]+)$/);
    if (match) {
      const ids = match[1].split(".").filter(Boolean);
      revealed = ids.pop() ?? null;
      ids.forEach((id) => open.add(id));
      save();
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    } else if (window.sessionStorage.getItem(REVEAL)) {
      revealed = window.sessionStorage.getItem(REVEAL);
    }
    window.sessionStorage.removeItem(REVEAL);

    // After treebeard's own handler (registered first), the toggle shows what the click did.
    document.querySelector("#result_list").addEventListener("click", (event) => {
      const toggle = event.target.closest("a.treebeard-collapse");
      if (!toggle) return;
      const id = toggle.closest("tr").dataset.nodeId;
      if (toggle.classList.contains("treebeard-collapsed")) {
        open.delete(id);
        descendants(id).forEach((each) => open.delete(each));
      } else {
        open.add(id);
      }
      save();
      describe(toggle.closest("tr"));
    });

    // A drag and drop reloads the page: keep the target open and the moved step to highlight.
    let dragged = null;
    body.addEventListener("dragstart", (event) => {
      dragged = event.target.closest("tr")?.dataset.nodeId ?? null;
    });
    body.addEventListener("drop", (event) => {
      const target = event.target.closest("tr")?.dataset.nodeId;
      if (!target || !dragged || target === dragged) return;
      open.add(target);
      save();
      window.sessionStorage.setItem(REVEAL, dragged);
    });

    new MutationObserver((records) => {
      records.forEach((record) =>
        record.addedNodes.forEach((node) => {
          if (node.nodeType === Node.ELEMENT_NODE && node.matches("tr")) visit(node);
        }),
      );
    }).observe(body, { childList: true });
    body.querySelectorAll("tr").forEach(visit);
  });
})();

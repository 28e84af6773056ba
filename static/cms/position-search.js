// The step form's "or another step": suggest the steps whose path, slug or title contains what is typed.
// Without this script the field still works: type the step's path by hand.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.position-search[data-search-url]").forEach((input) => {
    const list = document.createElement("datalist");
    list.id = `${input.id}_places`;
    input.after(list);
    input.setAttribute("list", list.id);
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const query = input.value.trim();
        if (query.length < 2) return;
        const response = await fetch(`${input.dataset.searchUrl}?q=${encodeURIComponent(query)}`, {
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const { places } = await response.json();
        list.replaceChildren(
          ...places.map(({ path, title }) => {
            const option = document.createElement("option");
            option.value = path;
            option.label = title;
            return option;
          }),
        );
      }, 200);
    });
  });
});

// A new step's slug, proposed from its French title as one types it: "Bénéficiaire effectif" gives
// "beneficiaire-effectif" (as wizard.tree.slug_from does on the server, which also fills a slug left blank).
// Once the editor types a slug of their own, it is theirs: the title no longer changes it (until it is emptied).
"use strict";
const LIGATURES = { "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss" };

function slugFrom(title) {
  return title
    .replace(/[œŒæÆß]/g, (letter) => LIGATURES[letter])
    .normalize("NFKD")
    .replace(/[^\x00-\x7f]/g, "")
    .toLowerCase()
    .replace(/[^\w\s-]/g, "")
    .replace(/[-\s_]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-slug-from]").forEach((slug) => {
    const title = document.getElementById(slug.dataset.slugFrom);
    if (!title) return;
    // A slug already there (a form shown again with an error) is the editor's unless the title would give it.
    let proposed = slug.value === "" || slug.value === slugFrom(title.value);
    slug.addEventListener("input", () => {
      proposed = slug.value === "";
    });
    title.addEventListener("input", () => {
      if (proposed) slug.value = slugFrom(title.value);
    });
  });
});

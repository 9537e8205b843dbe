// Search pages: filters apply as soon as they change, and a box marked data-suggest suggests titles and organisations as you type.
(function () {
  const form = document.getElementById("search-form");
  if (!form) return;
  form.querySelectorAll("[data-autosubmit]").forEach(function (input) {
    input.addEventListener("change", function () { form.requestSubmit(); });
  });
  form.querySelectorAll(".js-hidden").forEach(function (el) { el.classList.add("d-none"); });
  const box = form.querySelector("[data-suggest]");
  if (!box) return;
  const list = document.getElementById("search-suggestions");
  let timer = null;
  box.addEventListener("input", function () {
    const q = box.value.trim();
    clearTimeout(timer);
    if (q.length < 2) return;
    timer = setTimeout(async function () {
      const response = await fetch("/api/v1/search/suggest?" + new URLSearchParams({ q: q }), { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const body = await response.json();
      list.replaceChildren(...body.suggestions.map(function (s) {
        const option = document.createElement("option");
        option.value = s.text;
        option.label = s.kind === "organization" ? "Organisation" : "Offer";
        return option;
      }));
    }, 150);
  });
})();

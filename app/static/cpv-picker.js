// Fills the CPV datalist as the user types: labels in English, French or Spanish, or a code.
(function () {
  const input = document.querySelector("[data-cpv-picker]");
  const list = document.getElementById("cpv-options");
  if (!input || !list) return;
  const lang = document.documentElement.lang || "en";
  let timer = null;
  let last = "";
  input.addEventListener("input", function () {
    const q = input.value.trim();
    if (q.length < 2 || q === last || /^\d{8}(-\d)? /.test(q)) return;
    clearTimeout(timer);
    timer = setTimeout(async function () {
      last = q;
      const url = "/api/v1/cpv?" + new URLSearchParams({ q: q, lang: lang, limit: 20 });
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const codes = await response.json();
      list.replaceChildren(...codes.map(function (cpv) {
        const option = document.createElement("option");
        option.value = cpv.code + " " + cpv.label;
        return option;
      }));
    }, 200);
  });
})();

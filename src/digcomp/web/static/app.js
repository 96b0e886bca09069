// Small enhancements; every page works without them. Live DigComp suggestions while typing an outcome,
// "use this suggestion", the level descriptor of the chosen competence and level, copying a link, printing,
// and the confirmation after a save staying in view.
(function () {
  document.querySelectorAll("button.copy").forEach((button) =>
    button.addEventListener("click", async () => {
      const input = document.getElementById(button.dataset.copy);
      try {
        await navigator.clipboard.writeText(input.value);
      } catch (e) {
        input.select(); document.execCommand("copy"); button.focus();  // focus stays where the person is
      }
      const status = document.getElementById(`${button.dataset.copy}-status`);
      if (status) status.textContent = button.dataset.done;  // a live region: "Copied" is announced
    }));
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();  // a refused form: the reasons first, each linked to its field

  const saved = document.getElementById("saved");
  if (saved) {
    // The confirmation is in the page when it loads; a live region is only announced when it changes, so it is
    // written again once the page is there.
    const message = saved.textContent;
    saved.textContent = "";
    setTimeout(() => { saved.textContent = message; }, 150);
    setTimeout(() => saved.classList.add("fade"), 6000);
  }

  const form = document.getElementById("outcome-form");
  if (!form) return;
  const labels = document.getElementById("labels").dataset;
  const texts = form.querySelectorAll("textarea[name^='text_']");
  const competence = form.querySelector("#f-competence"), level = form.querySelector("#f-target_level");
  const box = document.getElementById("suggestions"), descriptor = document.getElementById("descriptor");
  const lang = form.dataset.lang;
  let timer = null;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => (k === "text" ? (node.textContent = v) : node.setAttribute(k, v)));
    (children || []).forEach((c) => node.appendChild(c));
    return node;
  }

  function use(comp, lvl) {
    competence.value = comp; level.value = String(lvl); showDescriptor();
  }

  async function suggest(textarea) {
    if (textarea.value.trim().length < 12) return;
    // every language version written so far: one answer for the outcome, whichever language is read
    const versions = {};
    texts.forEach((t) => { if (t.value.trim().length >= 3) versions[t.getAttribute("lang")] = t.value.trim(); });
    const response = await fetch("/api/v1/suggestions", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify({
        texts: versions, top: 3, explain_in: lang, eqf_level: form.dataset.eqf ? Number(form.dataset.eqf) : null,
        framework: form.dataset.framework,
      }),
    });
    if (!response.ok) return;
    const found = await response.json();
    box.replaceChildren(el("h2", { text: labels.suggestions }));
    found.forEach((s) => {
      const button = el("button", { type: "button", class: "secondary use-suggestion", text: labels.use });
      button.addEventListener("click", () => use(s.competence, s.level));
      box.appendChild(el("div", { class: `suggestion ${s.confidence}` }, [
        el("strong", { text: `${s.competence} ${s.title}` }),
        el("span", { text: ` · ${labels.level} ${s.level} (${s.level_name}) ` }),
        el("span", { class: `confidence ${s.confidence}`, text: labels[s.confidence] }),
        el("ul", {}, s.why.map((w) => el("li", { text: w }))),
        button,
      ]));
    });
  }

  async function showDescriptor() {
    if (!competence.value || !level.value) { descriptor.hidden = true; return; }
    const url = `/api/v1/frameworks/${form.dataset.framework}/competences/${competence.value}?lang=${lang}&level=${level.value}`;
    const response = await fetch(url);
    if (!response.ok) return;
    const view = await response.json();
    const lvl = view.levels[0];
    descriptor.replaceChildren(
      el("strong", { text: `${labels.descriptor} — ${lvl.number} ${lvl.name}` }),
      el("p", { text: lvl.preamble || "", lang: lvl.text_language }),
      el("ul", { lang: lvl.text_language }, lvl.statements.map((s) => el("li", { text: s }))),
    );
    descriptor.hidden = false;
  }

  texts.forEach((textarea) =>
    textarea.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => suggest(textarea), 500); }));
  competence.addEventListener("change", showDescriptor);
  level.addEventListener("change", showDescriptor);
  document.querySelectorAll(".use-suggestion").forEach((b) =>
    b.addEventListener("click", () => use(b.dataset.competence, b.dataset.level)));
})();

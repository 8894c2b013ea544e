// Quell's only script (the CSP allows no inline script): theme toggle, and keyboard navigation of tables marked
// data-keys (j/k move, x selects, Enter opens). Pages work without it; it only adds speed.
(() => {
  "use strict";

  function toggleTheme() {
    const root = document.documentElement;
    const dark = root.dataset.theme === "dark" ||
      (root.dataset.theme === "auto" && matchMedia("(prefers-color-scheme: dark)").matches);
    root.dataset.theme = dark ? "light" : "dark";
    document.cookie = `quell.theme=${root.dataset.theme}; path=/; max-age=31536000; samesite=strict`;
  }

  document.addEventListener("click", e => {
    if (e.target instanceof Element && e.target.closest("#theme-toggle")) toggleTheme();
  });

  function rows() {
    const table = document.querySelector("table[data-keys]");
    return table ? Array.from(table.querySelectorAll("tbody tr[data-id]")) : [];
  }

  function move(delta) {
    const all = rows();
    if (all.length === 0) return;
    const current = all.findIndex(r => r.classList.contains("current"));
    const next = Math.max(0, Math.min(all.length - 1, current < 0 ? 0 : current + delta));
    all.forEach(r => r.classList.remove("current"));
    all[next].classList.add("current");
    all[next].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", e => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
    const current = rows().find(r => r.classList.contains("current"));
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "x": {
        const box = current?.querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
        break;
      }
      case "Enter": {
        const link = current?.querySelector("a[href]");
        if (link) link.click();
        break;
      }
      default: return;
    }
    e.preventDefault();
  });
})();

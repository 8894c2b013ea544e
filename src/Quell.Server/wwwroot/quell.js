// Quell's only script (the CSP allows no inline script): theme toggle, keyboard navigation of tables marked
// data-keys (j/k move, x selects, Enter opens, / searches, ? shows the shortcuts), the live count of new alerts
// (an element with data-live="<url>" is polled every 3 s) and live enrichment results on alert and case pages (an element
// with data-enrichment-live="<url>" is polled every 2 s while runs are pending). Pages work without it; it only adds speed.
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
    const help = document.getElementById("key-help");
    switch (e.key) {
      case "/": {
        const box = document.querySelector("form[role=search] input");
        if (!box) return;
        box.focus();
        break;
      }
      case "?": if (!help) return; help.hidden = !help.hidden; break;
      case "Escape": if (!help || help.hidden) return; help.hidden = true; break;
      case "j": move(1); break;
      case "k": move(-1); break;
      case "x": {
        const box = current?.querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
        break;
      }
      case "Enter": {
        // Enter on a focused button or link is theirs (a keyboard user pressing "Mark read"), not "open the row".
        if (t instanceof Element && t.closest("button, a[href], summary")) return;
        const link = current?.querySelector("a[href]");
        if (link) link.click();
        break;
      }
      default: return;
    }
    e.preventDefault();
  });

  // Polls the address in the attribute `name` of the page's element carrying it, every `ms`: one request at a time,
  // none while the tab is hidden. Enhanced navigation swaps the page, so the element is looked up on every tick; an
  // answer for a page that has gone is dropped. A failed request (server restarting, network down) waits for the next tick.
  function every(ms, name, accept, handle) {
    let busy = false;
    setInterval(async () => {
      const live = document.querySelector(`[${name}]`);
      const url = live?.getAttribute(name);
      if (!url || busy || document.hidden) return;
      busy = true;
      try {
        const response = await fetch(url, { headers: { Accept: accept }, credentials: "same-origin" });
        if (!response.ok) return;
        const body = accept === "application/json" ? await response.json() : await response.text();
        if (live.isConnected) handle(live, body);
      } catch {
        // The next tick tries again.
      } finally {
        busy = false;
      }
    }, ms);
  }

  // Live arrival: the page says where to ask (its filters and the highest id it knows); the answer is a count.
  every(3000, "data-live", "application/json", (live, { count }) => {
    const badge = document.getElementById("live-count");
    const link = live.querySelector("a");
    const title = document.title.replace(/^\(\d+\) /, "");
    if (count > 0) {
      if (badge) { badge.textContent = String(count); badge.hidden = false; badge.title = `${count} new`; }
      if (link) { link.textContent = `${count} new alert${count === 1 ? "" : "s"} — show`; link.hidden = false; }
      document.title = `(${count}) ${title}`;
    } else {
      if (badge) badge.hidden = true;
      if (link) link.hidden = true;
      document.title = title;
    }
  });

  // Live enrichment: while an alert or case page has analyzer runs pending, it carries data-enrichment-live; the answer
  // is an HTML fragment rendered by the server's own components (encoded and defanged there), whose [data-live-fill]
  // parts replace the children of the page's elements with those ids. DOMParser documents run no script. The page stops
  // asking when the fragment says nothing is pending.
  every(2000, "data-enrichment-live", "text/html", (live, html) => {
    const fragment = new DOMParser().parseFromString(html, "text/html");
    for (const part of fragment.querySelectorAll("[data-live-fill]")) {
      const target = document.getElementById(part.dataset.liveFill);
      if (target) target.replaceChildren(...Array.from(part.childNodes, n => document.importNode(n, true)));
    }
    if (fragment.querySelector("[data-pending]")?.dataset.pending === "0") live.removeAttribute("data-enrichment-live");
  });
})();

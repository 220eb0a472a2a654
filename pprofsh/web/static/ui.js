// pprofsh web UI: menus, search, selection, Refine, Config, Top sorting, graph pan/zoom.
// Profile strings arrive only through the JSON data block and are put into the page with
// textContent or setAttribute, never as HTML.
"use strict";

const pprofsh = (function () {
  const dataEl = document.getElementById("pprofsh-data");
  const DATA = dataEl ? JSON.parse(dataEl.textContent) : {};
  const selected = new Set();
  const listeners = [];

  // A Go (RE2) regexp matching exactly the name.
  function quoteRegexp(s) {
    return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
  }

  function exactRegexp(names) {
    return names.map((n) => "^" + quoteRegexp(n) + "$").join("|");
  }

  function currentURL(changes) {
    const u = new URL(window.location.href);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") u.searchParams.delete(k);
      else u.searchParams.set(k, v);
    }
    u.hash = "";
    return u;
  }

  function go(changes) {
    window.location.href = currentURL(changes).toString();
  }

  // -- menus -------------------------------------------------------------------------
  function initMenus() {
    document.querySelectorAll(".menu-item > .menu-name").forEach((m) => {
      m.addEventListener("click", (e) => {
        const item = m.parentElement;
        if (e.target.tagName === "A" && !item.querySelector(".submenu")) return;
        const was = item.classList.contains("open");
        document.querySelectorAll(".menu-item.open").forEach((x) => x.classList.remove("open"));
        if (!was) item.classList.add("open");
      });
    });
    document.addEventListener("click", (e) => {
      if (!e.target.closest(".menu-item")) {
        document.querySelectorAll(".menu-item.open").forEach((x) => x.classList.remove("open"));
      }
      if (!e.target.closest(".description")) {
        document.getElementById("detailsbox").classList.remove("open");
      }
    });
    const details = document.getElementById("details");
    details.addEventListener("click", (e) => {
      e.preventDefault();
      document.getElementById("detailsbox").classList.toggle("open");
    });
  }

  // -- selection and Refine -----------------------------------------------------------
  function setSelection(names) {
    selected.clear();
    names.forEach((n) => selected.add(n));
    changed();
  }

  function toggle(name) {
    if (selected.has(name)) selected.delete(name);
    else selected.add(name);
    changed();
  }

  function changed() {
    listeners.forEach((f) => f(selected));
    updateRefine();
  }

  function refineRegexp() {
    if (selected.size > 0) return exactRegexp(Array.from(selected));
    return document.getElementById("search").value;
  }

  function updateRefine() {
    const re = refineRegexp();
    document.querySelectorAll("#refine a[data-param]").forEach((a) => {
      a.classList.toggle("disabled", re === "");
      a.href = re === "" ? "#" : currentURL({ [a.dataset.param]: re }).toString();
    });
  }

  function initRefine() {
    document.querySelectorAll("#refine a[data-param]").forEach((a) => {
      a.addEventListener("click", (e) => {
        e.preventDefault();
        const re = refineRegexp();
        if (re !== "") go({ [a.dataset.param]: re });
      });
    });
    updateRefine();
  }

  // -- search ------------------------------------------------------------------------
  let searchRegexp = null;

  function compileSearch(text) {
    if (text === "") return null;
    try {
      return new RegExp(text);
    } catch (err) {
      return undefined;
    }
  }

  function initSearch() {
    const box = document.getElementById("search");
    const onInput = () => {
      const re = compileSearch(box.value);
      box.classList.toggle("invalid", re === undefined);
      searchRegexp = re === undefined ? null : re;
      document.dispatchEvent(new CustomEvent("pprofsh-search", { detail: searchRegexp }));
      updateRefine();
    };
    box.addEventListener("input", onInput);
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        // Enter focuses on what the box matches, as the Refine menu's Focus would.
        go({ f: box.value });
      }
    });
    // On the Peek and Source pages the box shows the regexp of the page; no highlight.
    if (box.value !== "" && DATA.view !== "peek" && DATA.view !== "source") {
      setTimeout(onInput, 0);
    }
  }

  // -- Top -------------------------------------------------------------------------
  function initTop() {
    const table = document.getElementById("toptable");
    if (!table) return;
    const body = document.getElementById("rows");
    const rows = Array.from(body.rows);
    rows.forEach((r) => {
      r.addEventListener("click", () => toggle(r.dataset.name));
    });
    listeners.push((sel) => rows.forEach((r) => r.classList.toggle("selected", sel.has(r.dataset.name))));
    document.addEventListener("pprofsh-search", (e) => {
      const re = e.detail;
      rows.forEach((r) => r.classList.toggle("match", re !== null && re.test(r.dataset.name)));
    });
    let sortKey = "", desc = true;
    table.querySelectorAll("th").forEach((th) => {
      th.addEventListener("click", () => {
        const key = th.dataset.key;
        if (key === sortKey) desc = !desc;
        else { sortKey = key; desc = key !== "name"; }
        const cmp = key === "name"
          ? (a, b) => a.dataset.name.localeCompare(b.dataset.name)
          : (a, b) => Number(a.dataset[key]) - Number(b.dataset[key]);
        const sorted = rows.slice().sort((a, b) => (desc ? -cmp(a, b) : cmp(a, b)));
        sorted.forEach((r) => body.appendChild(r));
        table.querySelectorAll("th").forEach((h) => h.classList.remove("sorted-asc", "sorted-desc"));
        th.classList.add(desc ? "sorted-desc" : "sorted-asc");
      });
    });
  }

  // -- Graph: pan, zoom, select ---------------------------------------------------------
  function initGraph() {
    const box = document.getElementById("graph");
    if (!box) return;
    const svg = box.querySelector("svg");
    if (!svg) return;
    const nodes = DATA.nodes || [];
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    const vb = (svg.getAttribute("viewBox") || "0 0 1000 1000").split(/[ ,]+/).map(Number);
    let [x, y, w, h] = vb;
    const apply = () => svg.setAttribute("viewBox", `${x} ${y} ${w} ${h}`);
    // Start zoomed on the top of the graph, where the heaviest paths begin.
    const ratio = box.clientWidth / Math.max(box.clientHeight, 1);
    if (h > w / ratio * 1.5) { h = Math.max(w / ratio, h / 4); }
    apply();
    const toSvg = (cx, cy) => {
      const r = svg.getBoundingClientRect();
      const s = Math.max(w / r.width, h / r.height);
      const ox = x + (w - r.width * s) / 2, oy = y + (h - r.height * s) / 2;
      return [ox + (cx - r.left) * s, oy + (cy - r.top) * s, s];
    };
    box.addEventListener("wheel", (e) => {
      e.preventDefault();
      const [px, py] = toSvg(e.clientX, e.clientY);
      const f = Math.exp(e.deltaY * 0.0015);
      x = px - (px - x) * f; y = py - (py - y) * f; w *= f; h *= f;
      apply();
    }, { passive: false });
    let drag = null, moved = false;
    box.addEventListener("mousedown", (e) => {
      drag = [e.clientX, e.clientY, x, y]; moved = false;
    });
    window.addEventListener("mousemove", (e) => {
      if (!drag) return;
      const [, , s] = toSvg(0, 0);
      const dx = e.clientX - drag[0], dy = e.clientY - drag[1];
      if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; box.classList.add("dragging"); }
      x = drag[2] - dx * s; y = drag[3] - dy * s; apply();
    });
    window.addEventListener("mouseup", () => { drag = null; box.classList.remove("dragging"); });
    const gnodes = [];
    svg.querySelectorAll("g.node").forEach((g) => {
      const t = g.querySelector("title");
      const m = t && /^N(\d+)$/.exec(t.textContent.trim());
      if (!m) return;
      const name = nodes[Number(m[1])];
      if (name === undefined) return;
      g.dataset.name = name;
      gnodes.push(g);
      g.addEventListener("click", (e) => {
        if (moved) return;
        e.stopPropagation();
        toggle(name);
      });
    });
    listeners.push((sel) => gnodes.forEach((g) => g.classList.toggle("selected", sel.has(g.dataset.name))));
    document.addEventListener("pprofsh-search", (e) => {
      const re = e.detail;
      gnodes.forEach((g) => g.classList.toggle("match", re !== null && re.test(g.dataset.name)));
    });
  }

  // -- Config: save and delete named configurations -----------------------------------
  function post(path, params) {
    const u = new URL(path, window.location.href);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return fetch(u.toString(), {
      method: "POST",
      headers: { "X-Pprofsh-Token": DATA.token || "" },
      credentials: "same-origin",
    });
  }

  function openDialog(id) {
    document.getElementById("dialog-overlay").classList.add("open");
    document.getElementById(id).classList.add("open");
  }

  function closeDialogs() {
    document.getElementById("dialog-overlay").classList.remove("open");
    document.querySelectorAll(".dialog").forEach((d) => d.classList.remove("open"));
  }

  function initConfig() {
    const save = document.getElementById("save-config");
    const name = document.getElementById("save-name");
    const err = document.getElementById("save-error");
    save.addEventListener("click", (e) => {
      e.preventDefault();
      err.textContent = "";
      openDialog("save-dialog");
      name.focus();
    });
    const doSave = async () => {
      if (name.value === "") { err.textContent = "Empty name"; return; }
      const params = Object.fromEntries(new URL(window.location.href).searchParams);
      params.config = name.value;
      const r = await post("./saveconfig", params);
      if (!r.ok) { err.textContent = (await r.text()).trim(); return; }
      window.location.reload();
    };
    document.getElementById("save-confirm").addEventListener("click", doSave);
    name.addEventListener("keydown", (e) => { if (e.key === "Enter") doSave(); });
    document.getElementById("save-cancel").addEventListener("click", closeDialogs);
    document.getElementById("delete-cancel").addEventListener("click", closeDialogs);
    document.getElementById("dialog-overlay").addEventListener("click", closeDialogs);
    let victim = "";
    document.querySelectorAll(".menu-delete-btn").forEach((b) => {
      b.addEventListener("click", (e) => {
        e.preventDefault();
        e.stopPropagation();
        victim = b.dataset.config;
        document.getElementById("delete-prompt").textContent = `Delete config "${victim}"?`;
        document.getElementById("delete-error").textContent = "";
        openDialog("delete-dialog");
      });
    });
    document.getElementById("delete-confirm").addEventListener("click", async () => {
      const r = await post("./deleteconfig", { config: victim });
      if (!r.ok) {
        document.getElementById("delete-error").textContent = (await r.text()).trim();
        return;
      }
      window.location.reload();
    });
    document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeDialogs(); });
  }

  // -- Snapshots: choose the profile and the base ------------------------------------------
  function initSnapshots() {
    const use = (param, n) => async () => {
      const r = await post("./usesnapshot", { [param]: n });
      if (!r.ok) {
        const errs = document.getElementById("errors");
        const d = document.createElement("div");
        d.textContent = (await r.text()).trim();
        errs.replaceChildren(d);
        return;
      }
      window.location.reload();
    };
    document.querySelectorAll("button.use-profile").forEach((b) => b.addEventListener("click", use("profile", b.dataset.snapshot)));
    document.querySelectorAll("button.use-base, #no-base").forEach((b) => b.addEventListener("click", use("base", b.dataset.snapshot)));
  }

  function init() {
    initMenus();
    initSnapshots();
    initSearch();
    initRefine();
    initTop();
    initGraph();
    initConfig();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  return { DATA, selected, setSelection, toggle, onSelect: (f) => listeners.push(f), currentURL, go, exactRegexp };
})();
window.pprofsh = pprofsh;

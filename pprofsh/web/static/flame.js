// pprofsh flame graph: an icicle (or flame) of the call tree, drawn as positioned boxes.
// Click a box to zoom into it (its pruned children are fetched then), click a breadcrumb
// or press Escape to come back; hover shows the details; the search box highlights;
// "Callers" shows everything calling the selected function, merged over its call sites.
"use strict";

(function () {
  const ui = window.pprofsh;
  const ROW = 18;

  // -- tree from the server's parallel arrays -----------------------------------------
  function build(d) {
    const nodes = d.fid.map((fid, k) => ({
      fid: fid,
      name: d.frame[k] < 0 ? "root" : d.names[d.frame[k]],
      total: d.total[k],
      self: d.self[k],
      weight: d.weight[k],
      totalText: d.totalText[k],
      weightText: d.weightText && d.weightText.length ? d.weightText[k] : "",
      selfText: d.selfText[k],
      more: d.more[k] === 1,
      children: [],
      parent: null,
      depth: 0,
      x: 0,
    }));
    for (let k = 1; k < nodes.length; k++) {
      const p = nodes[d.parent[k]];
      nodes[k].parent = p;
      p.children.push(nodes[k]);
    }
    return nodes[0];
  }

  function layout(n, x, depth) {
    n.x = x;
    n.depth = depth;
    let cx = x;
    for (const c of n.children) {
      layout(c, cx, depth + 1);
      cx += c.weight;
    }
  }

  function maxDepth(n, limit) {
    let d = n.depth;
    const stack = [n];
    while (stack.length) {
      const m = stack.pop();
      if (m.depth > d) d = m.depth;
      for (const c of m.children) if (c.weight >= limit) stack.push(c);
    }
    return d;
  }

  // -- colours ---------------------------------------------------------------------------
  function hash(s) {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h);
  }

  function packageOf(name) {
    const paren = name.indexOf("(");
    const base = paren > 0 ? name.slice(0, paren) : name;
    const slash = base.lastIndexOf("/");
    const dot = base.indexOf(".", slash + 1);
    return dot > 0 ? base.slice(0, dot) : base;
  }

  function colour(n, diff) {
    if (n.name === "root") return "hsl(220, 8%, 82%)";
    if (diff) {
      // Growth red, shrinkage blue; the deeper the colour the more one-sided the change.
      const r = n.weight ? n.total / n.weight : 0;
      if (r > 0) return `hsl(0, 75%, ${92 - 32 * r}%)`;
      if (r < 0) return `hsl(215, 75%, ${92 + 32 * r}%)`;
      return "hsl(0, 0%, 88%)";
    }
    const h = hash(packageOf(n.name));
    return `hsl(${(h % 40) + 8}, ${62 + (h % 20)}%, ${66 + ((h >> 5) % 12)}%)`;
  }

  function pct(v, total) {
    if (!total) return "";
    return (100 * v / total).toFixed(2).replace(/\.?0+$/, "") + "%";
  }

  // -- one chart -------------------------------------------------------------------------
  class Chart {
    constructor(el, data, opts) {
      this.el = el;
      this.diff = !!data.diff;
      this.root = build(data);
      layout(this.root, 0, 0);
      this.zoom = this.root;
      this.flip = !!opts.flip;
      this.grandTotal = opts.grandTotal;
      this.details = opts.details;
      this.onZoom = opts.onZoom || (() => {});
      this.search = null;
      this.selectedName = null;
    }

    async zoomTo(n) {
      if (n.more && !n.loaded) await this.expand(n);
      this.zoom = n;
      this.render();
      this.onZoom(n);
    }

    async expand(n) {
      const path = [];
      for (let a = n; a && a.parent; a = a.parent) path.unshift(a.fid);
      const u = ui.currentURL({ path: path.join(".") });
      u.pathname = u.pathname.replace(/[^/]*$/, "flamegraph.json");
      const r = await fetch(u.toString(), { credentials: "same-origin" });
      if (!r.ok) return;
      const sub = build(await r.json());
      n.children = sub.children;
      n.children.forEach((c) => { c.parent = n; });
      n.more = sub.more;
      n.loaded = true;
      layout(n, n.x, n.depth);
    }

    render() {
      const el = this.el;
      const width = el.clientWidth || 1000;
      const z = this.zoom;
      const scale = width / Math.max(z.weight, 1);
      const minWeight = 1 / scale; // under a pixel: not drawn
      const ancestors = [];
      for (let a = z.parent; a; a = a.parent) ancestors.unshift(a);
      const depth = maxDepth(z, minWeight);
      const rows = depth + 1;
      el.style.height = rows * ROW + "px";
      const frag = document.createDocumentFragment();
      const top = (d) => (this.flip ? (rows - 1 - d) * ROW : d * ROW);
      const add = (n, left, w, cls) => {
        const b = document.createElement("div");
        b.className = "box" + cls + (n.more && !n.loaded ? " more" : "");
        if (n.more && !n.loaded) b.title = "Click to zoom: smaller calls are shown then";
        b.style.left = left + "px";
        b.style.width = Math.max(w, 1) + "px";
        b.style.top = top(n.depth) + "px";
        b.style.background = colour(n, this.diff);
        if (w > 24) b.textContent = n.name;
        b.dataset.name = n.name;
        b._node = n;
        if (this.search && n.name !== "root" && this.search.test(n.name)) b.classList.add("match");
        if (this.selectedName === n.name) b.classList.add("selected");
        frag.appendChild(b);
      };
      for (const a of ancestors) add(a, 0, width, " ancestor");
      const stack = [z];
      let count = 0;
      while (stack.length) {
        const n = stack.pop();
        const w = n.weight * scale;
        if (w < 1 && n !== z) continue;
        add(n, (n.x - z.x) * scale, w, "");
        count++;
        for (const c of n.children) stack.push(c);
      }
      el.replaceChildren(frag);
      el.classList.toggle("searching", !!this.search);
      el.dataset.boxes = String(count);
    }

    describe(n) {
      const gt = this.grandTotal;
      if (this.diff) {
        // Net change, and how much moved in both directions (the box's width).
        const way = n.total > 0 ? "grew" : n.total < 0 ? "shrank" : "no net change";
        let s = `${n.name} — ${way}: ${n.total > 0 ? "+" : ""}${n.totalText}`;
        if (n.weightText) s += ` (changed ${n.weightText} in all)`;
        if (n.self) s += `, self ${n.self > 0 ? "+" : ""}${n.selfText}`;
        return s;
      }
      let s = `${n.name} — ${n.totalText} (${pct(n.total, gt)})`;
      if (n.self) s += `, self ${n.selfText} (${pct(n.self, gt)})`;
      return s;
    }

    attach() {
      this.el.addEventListener("mouseover", (e) => {
        const b = e.target.closest(".box");
        if (b) this.details.textContent = this.describe(b._node);
      });
      this.el.addEventListener("click", (e) => {
        const b = e.target.closest(".box");
        if (!b) return;
        const n = b._node;
        this.select(n.name === "root" ? null : n.name);
        this.zoomTo(n);
      });
    }

    select(name) {
      this.selectedName = name;
      ui.setSelection(name ? [name] : []);
    }

    setSearch(re) {
      this.search = re;
      this.render();
    }

    // The share of the zoomed box's weight in matching boxes, each stack counted once.
    matchedShare() {
      if (!this.search) return null;
      let sum = 0;
      const stack = [this.zoom];
      while (stack.length) {
        const n = stack.pop();
        if (n.name !== "root" && this.search.test(n.name)) { sum += n.weight; continue; }
        for (const c of n.children) stack.push(c);
      }
      return this.zoom.weight ? sum / this.zoom.weight : 0;
    }
  }

  // -- the page ---------------------------------------------------------------------------
  function init() {
    const data = ui.DATA.flame;
    const el = document.getElementById("flame");
    if (!data || !el) return;
    const details = document.getElementById("flame-details");
    const crumbs = document.getElementById("breadcrumbs");
    const flipBtn = document.getElementById("flame-flip");
    const callersBtn = document.getElementById("flame-callers");
    const sandwich = document.getElementById("sandwich");
    let flip = window.localStorage && localStorage.getItem("pprofsh-flame-flip") === "1";
    const chart = new Chart(el, data, {
      flip: flip,
      grandTotal: data.grandTotal,
      details: details,
      onZoom: (n) => showCrumbs(n),
    });
    chart.attach();
    let side = [];

    function showCrumbs(n) {
      const path = [];
      for (let a = n; a; a = a.parent) path.unshift(a);
      crumbs.replaceChildren();
      path.forEach((a, i) => {
        if (i) {
          const s = document.createElement("span");
          s.className = "sep";
          s.textContent = "›";
          crumbs.appendChild(s);
        }
        const link = document.createElement("a");
        link.textContent = a.name === "root" ? "all" : a.name;
        link.title = a.name;
        link.addEventListener("click", () => chart.zoomTo(a));
        crumbs.appendChild(link);
      });
    }

    function legend() {
      const lg = document.getElementById("flame-legend");
      lg.replaceChildren();
      if (!data.diff) return;
      const add = (col, text) => {
        const s = document.createElement("span");
        s.className = "swatch";
        s.style.background = col;
        lg.appendChild(s);
        lg.appendChild(document.createTextNode(text));
      };
      lg.appendChild(document.createTextNode("Against the base: width is the amount of change;"));
      add("hsl(0, 75%, 60%)", "grew");
      add("hsl(215, 75%, 60%)", "shrank");
      add("hsl(0, 0%, 88%)", "both");
    }

    function setFlip(f) {
      flip = f;
      flipBtn.textContent = f ? "Icicle" : "Flame";
      flipBtn.title = f ? "Show as an icicle (root on top)" : "Show as a flame graph (root at the bottom)";
      chart.flip = f;
      el.classList.toggle("flipped", f);
      try { localStorage.setItem("pprofsh-flame-flip", f ? "1" : "0"); } catch (err) { /* private mode */ }
      chart.render();
    }

    flipBtn.addEventListener("click", () => setFlip(!flip));
    ui.onSelect((sel) => {
      if (sandwich.hidden) callersBtn.disabled = sel.size !== 1;
    });

    async function showCallers() {
      const name = Array.from(ui.selected)[0];
      if (!name) return;
      const u = ui.currentURL({ callers: name });
      u.pathname = u.pathname.replace(/[^/]*$/, "flamegraph.json");
      const r = await fetch(u.toString(), { credentials: "same-origin" });
      if (!r.ok) { details.textContent = (await r.text()).trim(); return; }
      const got = await r.json();
      document.getElementById("sandwich-title").textContent = "Callers of " + got.name;
      const up = new Chart(document.getElementById("flame-callers-chart"), got.callers, {
        flip: true, grandTotal: data.grandTotal, details: details,
      });
      const down = new Chart(document.getElementById("flame-callees-chart"), got.callees, {
        flip: false, grandTotal: data.grandTotal, details: details,
      });
      side = [up, down];
      side.forEach((c) => { c.attach(); c.search = chart.search; });
      // The function itself is the root's only child: start zoomed on it.
      const focus = (c) => (c.root.children.length === 1 ? c.root.children[0] : c.root);
      sandwich.hidden = false;
      el.hidden = true;
      callersBtn.textContent = "Back to the flame graph";
      callersBtn.disabled = false;
      crumbs.replaceChildren(document.createTextNode("Callers and callees of " + got.name));
      await up.zoomTo(focus(up));
      await down.zoomTo(focus(down));
    }

    function hideCallers() {
      sandwich.hidden = true;
      el.hidden = false;
      side = [];
      callersBtn.textContent = "Callers";
      callersBtn.disabled = ui.selected.size !== 1;
      showCrumbs(chart.zoom);
      chart.render();
    }

    callersBtn.addEventListener("click", () => {
      if (sandwich.hidden) showCallers();
      else hideCallers();
    });

    document.addEventListener("pprofsh-search", (e) => {
      chart.setSearch(e.detail);
      side.forEach((c) => c.setSearch(e.detail));
      const share = chart.matchedShare();
      if (share !== null) details.textContent = `Matched: ${(100 * share).toFixed(2)}% of the view`;
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && document.activeElement.tagName !== "INPUT") {
        if (!sandwich.hidden) hideCallers();
        else chart.zoomTo(chart.root);
      }
    });
    window.addEventListener("resize", () => { chart.render(); side.forEach((c) => c.render()); });
    legend();
    setFlip(flip);
    showCrumbs(chart.root);
    details.textContent = chart.describe(chart.root);
    window.pprofshFlame = chart;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

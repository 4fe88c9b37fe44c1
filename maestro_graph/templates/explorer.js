// The maestro-graph chain explorer. Everything it shows was computed by the engine when the
// page was written and sits in the JSON element #explorer-data; this script only filters,
// highlights and combines what is there. It makes no request and uses no library.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("explorer-data").textContent);
  var chains = data.chains;
  var plan = data.plan;
  var svg = document.getElementById("arch");
  // The namespace of the inline SVG, taken from the parsed element rather than written out.
  var SVG_NS = svg.namespaceURI;
  var BAND_RANK = { low: 0, medium: 1, high: 2, critical: 3 };
  var MATURITY_RANK = { feasible: 1, demonstrated: 2, realized: 3 };

  var state = {
    visible: [], // indexes into chains, in rank order
    cursor: -1, // position in visible
    selected: null, // chain id
    cell: null, // {source, target} from the layer matrix
    on: [] // one boolean per plan placement
  };
  plan.placements.forEach(function () { state.on.push(false); });

  var byId = {};
  chains.forEach(function (chain, index) { byId[chain.id] = index; });

  // -- small DOM helpers (text always goes in as text, never as markup) -------------------
  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    return node;
  }

  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
  }

  function append(node, children) {
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === "") { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function fixed(value, digits) { return Number(value).toFixed(digits); }

  function bandChip(band) { return el("span", { "class": "band band-" + band, text: band }); }

  function maturityChip(maturity) {
    return el("span", { "class": "mat mat-" + maturity, text: maturity });
  }

  function bandOfRisk(risk) {
    // The engine's bounds (maestro_graph.engine.risk.RISK_BOUNDS) with its hair of tolerance.
    var count = 0;
    data.model.risk_bounds.forEach(function (bound) { if (risk >= bound - 1e-9) { count += 1; } });
    return ["low", "medium", "high", "critical"][count];
  }

  // -- filters ----------------------------------------------------------------------------
  function fillSelect(select, values) {
    values.forEach(function (value) { select.appendChild(el("option", { value: value, text: value })); });
  }

  function uniqueSorted(values) {
    var seen = {};
    values.forEach(function (v) { seen[v] = true; });
    return Object.keys(seen).sort();
  }

  function setUpFilters() {
    fillSelect($("f-entry"), uniqueSorted(chains.map(function (c) { return c.entry; })));
    fillSelect($("f-target"), uniqueSorted(chains.map(function (c) { return c.target; })));
    Array.prototype.forEach.call(document.querySelectorAll(".layer-select"), function (select) {
      data.model.layers.forEach(function (layer) {
        select.appendChild(el("option", { value: layer.code, text: layer.code + " " + layer.name }));
      });
    });
    ["f-entry", "f-target", "f-from", "f-to", "f-through", "f-band", "f-evidence"].forEach(function (id) {
      $(id).addEventListener("change", refresh);
    });
    $("f-search").addEventListener("input", refresh);
    $("f-clear").addEventListener("click", function () { clearFilters(); refresh(); });
    $("f-cell").addEventListener("click", function () { state.cell = null; refresh(); });
    $("filters").addEventListener("submit", function (event) { event.preventDefault(); });
  }

  function clearFilters() {
    ["f-search", "f-entry", "f-target", "f-from", "f-to", "f-through", "f-band", "f-evidence"].forEach(function (id) {
      $(id).value = "";
    });
    state.cell = null;
  }

  function evidenceMatches(chain, wanted) {
    var strongest = chain.evidence.strongest;
    if (!wanted) { return true; }
    if (wanted === "predicted") { return chain.evidence.predicted; }
    if (wanted === "none") { return strongest === null; }
    return strongest !== null && MATURITY_RANK[strongest] >= MATURITY_RANK[wanted];
  }

  function matches(chain) {
    var words = $("f-search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var through = $("f-through").value;
    var band = $("f-band").value;
    var checks = [
      !$("f-entry").value || chain.entry === $("f-entry").value,
      !$("f-target").value || chain.target === $("f-target").value,
      !$("f-from").value || chain.entry_layer === $("f-from").value,
      !$("f-to").value || chain.target_layer === $("f-to").value,
      !through || chain.steps.some(function (step) { return step.layer === through; }),
      !band || BAND_RANK[chain.band] >= BAND_RANK[band],
      evidenceMatches(chain, $("f-evidence").value),
      !state.cell || (chain.entry_layer === state.cell.source && chain.target_layer === state.cell.target),
      words.every(function (word) { return chain.search.indexOf(word) >= 0; })
    ];
    return checks.every(Boolean);
  }

  // -- the mitigation scenario in effect ----------------------------------------------------
  function mask() {
    return state.on.reduce(function (total, on, n) { return on ? total + (1 << n) : total; }, 0);
  }

  function scenario() {
    var key = String(mask());
    var exact = plan.scenarios[key];
    if (exact) { return { risks: exact.risks, bands: exact.bands, top: exact.top, exact: true }; }
    // Not every subset was re-analysed: multiply each placement's own factor per chain (the
    // planner's assumption that placements act on distinct steps); the residual risk is then
    // the best listed chain, which may miss a chain beyond the list.
    var base = plan.scenarios["0"].risks;
    var risks = base.map(function (risk, index) {
      var value = risk;
      state.on.forEach(function (on, n) {
        var alone = plan.scenarios[String(1 << n)].risks[index];
        if (on && risk > 0) { value *= alone / risk; }
      });
      return Math.round(value * 1e4) / 1e4;
    });
    var best = -1;
    risks.forEach(function (risk, index) { if (best < 0 || risk > risks[best]) { best = index; } });
    var top = best < 0 ? { risk: 0, band: "low", path_text: "" }
      : { risk: risks[best], band: bandOfRisk(risks[best]), path_text: chains[best].path_text };
    return { risks: risks, bands: risks.map(bandOfRisk), top: top, exact: false };
  }

  function anyPlacementOn() { return state.on.some(Boolean); }

  // -- the chain list -----------------------------------------------------------------------
  function chainItem(chain, index, now) {
    var item = el("li", {
      id: "chain-" + chain.id, role: "option", "data-id": chain.id, "aria-selected": "false",
      "aria-label": "Chain " + chain.rank + ", risk " + fixed(chain.risk, 3) + " " + chain.band +
        ", " + chain.layers.join(" to ") + ", from " + chain.entry + " to " + chain.target
    }, [
      el("span", { "class": "rank", text: "#" + chain.rank }),
      el("span", { "class": "risk", text: fixed(chain.risk, 3) }),
      bandChip(chain.band),
      el("span", { "class": "sig", text: chain.layers.join(" › ") }),
      el("span", { "class": "ends", text: chain.entry + " → " + chain.target + "  (" + chain.hops + (chain.hops === 1 ? " hop)" : " hops)") })
    ]);
    if (now && anyPlacementOn() && now.risks[index] < chain.risk - 1e-9) {
      item.classList.add("cut");
      item.appendChild(el("span", { "class": "after",
        text: "with the placements: risk " + fixed(now.risks[index], 3) + " (" + now.bands[index] + ")" }));
    }
    item.addEventListener("click", function () {
      state.cursor = state.visible.indexOf(index);
      select(chain.id);
    });
    return item;
  }

  function renderList() {
    var list = $("chains");
    var now = anyPlacementOn() ? scenario() : null;
    clear(list);
    state.visible.forEach(function (index) { list.appendChild(chainItem(chains[index], index, now)); });
    markList();
  }

  function markList() {
    var list = $("chains");
    Array.prototype.forEach.call(list.children, function (item, position) {
      item.setAttribute("aria-selected", String(item.getAttribute("data-id") === state.selected));
      item.classList.toggle("cursor", position === state.cursor);
    });
    var current = list.children[state.cursor];
    if (current) {
      list.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    } else {
      list.removeAttribute("aria-activedescendant");
    }
  }

  function describeCount() {
    if (!chains.length) { $("count").textContent = "No chain is ranked for this model."; return; }
    var text = state.visible.length + " of " + chains.length + " listed chains shown";
    if (state.cell) {
      var cell = matrixCell(state.cell.source, state.cell.target);
      text += " (from " + state.cell.source + " to " + state.cell.target + ")";
      if (!state.visible.length && cell && cell.path_text) {
        text += ". None of the listed chains joins these layers; the matrix's best chain there " +
          "(assuming " + state.cell.source + " compromised): " + cell.path_text;
      }
    }
    $("count").textContent = text + ".";
  }

  function refresh() {
    var keep = state.visible[state.cursor];
    state.visible = [];
    chains.forEach(function (chain, index) { if (matches(chain)) { state.visible.push(index); } });
    state.cursor = state.visible.indexOf(keep);
    var cellButton = $("f-cell");
    cellButton.hidden = !state.cell;
    if (state.cell) {
      cellButton.textContent = "matrix cell " + state.cell.source + " → " + state.cell.target + " ×";
      cellButton.setAttribute("aria-label", "Remove the matrix filter " + state.cell.source + " to " + state.cell.target);
    }
    renderList();
    renderMatrix();
    describeCount();
  }

  // -- the selected chain: hops on the drawing and the explanation ---------------------------
  function drawHops(chain) {
    var layer = $("hops");
    clear(layer);
    var route = {};
    chain.route.forEach(function (id) { route[id] = true; });
    Array.prototype.forEach.call(svg.querySelectorAll(".node"), function (node) {
      node.classList.toggle("on-chain", !!route[node.getAttribute("data-id")]);
    });
    svg.classList.add("dim");
    chain.hop_paths.forEach(function (hop) {
      if (!hop.loop) {
        layer.appendChild(svgEl("path", { "class": "hop", d: hop.d, "marker-end": "url(#m-hop)", "data-hop": hop.n }));
      }
    });
    chain.hop_paths.forEach(function (hop) {
      var badge = svgEl("g", { "class": "hop-badge", "data-hop": hop.n });
      var title = svgEl("title", {});
      title.textContent = "hop " + hop.n + ": " + hop.from + " → " + hop.to;
      badge.appendChild(title);
      badge.appendChild(svgEl("circle", { cx: hop.x, cy: hop.y, r: 9 }));
      var number = svgEl("text", { x: hop.x, y: hop.y });
      number.textContent = String(hop.n);
      badge.appendChild(number);
      layer.appendChild(badge);
    });
    var entry = svg.querySelector('.node[data-id="' + chain.entry + '"] rect');
    if (entry) {
      var label = svgEl("text", { "class": "start-label", x: entry.getAttribute("x"), y: Number(entry.getAttribute("y")) - 4 });
      label.textContent = "start";
      layer.appendChild(label);
    }
  }

  function clearHops() {
    clear($("hops"));
    svg.classList.remove("dim");
    Array.prototype.forEach.call(svg.querySelectorAll(".node.on-chain"), function (node) {
      node.classList.remove("on-chain");
    });
  }

  function hot(number, on) {
    Array.prototype.forEach.call(document.querySelectorAll('[data-hop="' + number + '"]'), function (node) {
      node.classList.toggle("hot", on);
    });
  }

  function line(label, children) {
    return el("div", { "class": "hop-line" }, [el("span", { "class": "label", text: label + ": " })].concat(children));
  }

  function stepItem(step, number) {
    var where = step.component + (step.name && step.name !== step.component ? " (" + step.name + ")" : "") +
      " (" + step.layer + " " + step.kind + ")";
    var item = el("li", { "data-hop": number - 1 }, [
      el("div", {}, [
        el("span", { "class": "hop-num", "aria-hidden": "true", text: String(number) }),
        el("strong", { text: where }), ": ", el("code", { text: step.threat }), " " + step.threat_name
      ])
    ]);
    if (step.start === "entry") {
      item.appendChild(line("entry", ["the attacker starts here, likelihood " + fixed(step.likelihood, 3)]));
    } else if (step.start === "assumed") {
      item.appendChild(line("start", ["assumed compromised here (assume breach), likelihood " + fixed(step.likelihood, 3)]));
    } else {
      item.appendChild(line("rule " + step.rule, [step.rule_title]));
      var via = step.flow ? "flow " + step.flow.from + " → " + step.flow.to + " (" + step.flow.kind + ")" : "within the component";
      item.appendChild(line("via", [via + ", likelihood " + fixed(step.likelihood, 3)]));
    }
    step.controls.forEach(function (control) {
      item.appendChild(line("reduced by", [control.control + " on the " + control.on + " (×" + fixed(1 - control.effectiveness, 2) + ")"]));
    });
    if (step.atlas.length) {
      item.appendChild(line("ATLAS", [el("span", { "class": "chips" }, step.atlas.map(function (a) {
        return el("span", {}, [el("code", { text: a.id }), " " + (data.atlas[a.id] || "") + " ", maturityChip(a.maturity)]);
      }))]));
    } else {
      item.appendChild(line("ATLAS", ["no technique backs this step"]));
    }
    item.appendChild(line("cut by placing", [step.cut_by.length ? step.cut_by.map(function (c) {
      return c.placement + " (×" + fixed(c.factor, 2) + ")";
    }).join(", ") : "no placement the defender can make"]));
    if (step.telemetry.length) {
      item.appendChild(line("telemetry to", [step.telemetry.join(", ")]));
    }
    item.addEventListener("mouseenter", function () { hot(number - 1, true); });
    item.addEventListener("mouseleave", function () { hot(number - 1, false); });
    return item;
  }

  function renderDetail(chain) {
    var detail = $("detail");
    clear(detail);
    if (!chain) {
      detail.appendChild(el("p", { "class": "muted", text: "Select a chain in the list to see its hops in order." }));
      return;
    }
    detail.appendChild(el("h2", {}, ["Chain #" + chain.rank + " ", el("code", { text: chain.id })]));
    detail.appendChild(el("p", { "class": "facts" }, [
      "risk " + fixed(chain.risk, 3) + " ", bandChip(chain.band),
      " · likelihood " + fixed(chain.likelihood, 4) + " · impact " + fixed(chain.impact, 2) + " · " + chain.layers.join(" › ")
    ]));
    if (chain.owners.length) { detail.appendChild(el("p", { text: "owners: " + chain.owners.join(", ") })); }
    detail.appendChild(el("p", { text: chain.evidence_summary }));
    detail.appendChild(el("p", { "class": "seen-by", text: chain.detected_by.length
      ? "seen by: " + chain.detected_by.join(", ")
      : "seen by: nobody (no watcher gets telemetry from it before it is blinded)" }));
    if (chain.variants_text) { detail.appendChild(el("p", { text: chain.variants_text })); }
    var hops = el("ol", { "class": "hops", "aria-label": "Hops in attack order" });
    chain.steps.forEach(function (step, n) { hops.appendChild(stepItem(step, n + 1)); });
    detail.appendChild(hops);
    if (chain.options.length) {
      detail.appendChild(el("p", { text: "Placements that would act on this chain, each alone:" }));
      detail.appendChild(el("ul", { "class": "options" }, chain.options.map(function (o) {
        return el("li", {}, [el("code", { text: o.placement }), " → risk " + fixed(o.risk_after, 3)]);
      })));
    } else {
      detail.appendChild(el("p", { text: "No placement the defender can make acts on this chain." }));
    }
    detail.appendChild(el("details", {}, [el("summary", { text: "As text (maestro-graph paths --explain)" }), el("pre", { text: chain.explain })]));
  }

  function select(id) {
    state.selected = id;
    var chain = id === null ? null : chains[byId[id]];
    if (chain) { drawHops(chain); } else { clearHops(); }
    renderDetail(chain);
    markList();
  }

  // -- the layer matrix ---------------------------------------------------------------------
  var cellIndex = {};
  data.matrix.forEach(function (cell) { cellIndex[cell.source + ">" + cell.target] = cell; });

  function matrixCell(source, target) { return cellIndex[source + ">" + target]; }

  function listedBetween(source, target) {
    return chains.filter(function (c) { return c.entry_layer === source && c.target_layer === target; }).length;
  }

  function matrixButton(source, target) {
    var cell = matrixCell(source, target);
    if (!cell || cell.risk === null) { return el("span", { "class": "empty", "aria-label": "no chain from " + source + " to " + target, text: "–" }); }
    var pressed = !!state.cell && state.cell.source === source && state.cell.target === target;
    var listed = listedBetween(source, target);
    var button = el("button", {
      type: "button", "class": "band-" + cell.band, "aria-pressed": String(pressed),
      "data-source": source, "data-target": target,
      "aria-label": "From " + source + " to " + target + ": best risk " + fixed(cell.risk, 2) + " (" + cell.band + "), " +
        cell.pairs + " component pairs, " + listed + " listed chains",
      title: cell.path_text, text: fixed(cell.risk, 2)
    });
    button.addEventListener("click", function () {
      state.cell = pressed ? null : { source: source, target: target };
      refresh();
    });
    return button;
  }

  function renderMatrix() {
    var table = $("matrix");
    var codes = data.model.layers.map(function (layer) { return layer.code; });
    clear(table);
    table.appendChild(el("caption", { "class": "muted", text: "rows: from (assumed compromised), columns: to" }));
    table.appendChild(el("tr", {}, [el("th", { scope: "col", text: "from \\ to" })].concat(codes.map(function (code) {
      return el("th", { scope: "col", text: code });
    }))));
    codes.forEach(function (source) {
      table.appendChild(el("tr", {}, [el("th", { scope: "row", text: source })].concat(codes.map(function (target) {
        return el("td", {}, [matrixButton(source, target)]);
      }))));
    });
  }

  // -- the mitigation plan ------------------------------------------------------------------
  function ranksCut(risks) {
    return chains.filter(function (chain, index) { return risks[index] < chain.risk - 1e-9; })
      .map(function (chain) { return "#" + chain.rank; });
  }

  function renderPlan() {
    $("plan-note").textContent = plan.placements.length
      ? "The fewest placements that bring every chain below " + plan.band + " (" + plan.method + ": " + plan.note + "). Switch them on to see which listed chains they cut."
      : "Nothing to place: no chain is at or above " + plan.band + ".";
    var list = $("placements");
    clear(list);
    plan.placements.forEach(function (placement, n) {
      var box = el("input", { type: "checkbox", id: "placement-" + n, "data-placement": placement.placement });
      box.checked = state.on[n];
      box.addEventListener("change", function () { state.on[n] = box.checked; refreshPlan(); });
      var alone = plan.scenarios[String(1 << n)];
      var cut = alone ? ranksCut(alone.risks) : [];
      list.appendChild(el("li", {}, [
        el("label", { "for": "placement-" + n }, [box, " ", el("code", { text: placement.placement }),
          " (" + placement.layer + "): acts on " + placement.routes + " planning routes, removes risk " + fixed(placement.risk_removed, 3)]),
        el("span", { "class": "alone", text: cut.length ? "alone it cuts listed " + cut.join(", ") : "alone it cuts none of the listed chains" })
      ]));
    });
    $("plan-all").disabled = $("plan-none").disabled = !plan.placements.length;
    renderPlanResult();
  }

  function setAll(on) {
    state.on = state.on.map(function () { return on; });
    Array.prototype.forEach.call(document.querySelectorAll("#placements input"), function (box) { box.checked = on; });
    refreshPlan();
  }

  function renderPlanResult() {
    var result = $("plan-result");
    if (!plan.placements.length) { result.hidden = true; return; }
    var now = scenario();
    var count = state.on.filter(Boolean).length;
    var cut = ranksCut(now.risks);
    var below = chains.filter(function (chain, index) {
      return BAND_RANK[chain.band] >= BAND_RANK[plan.band] && BAND_RANK[now.bands[index]] < BAND_RANK[plan.band];
    }).length;
    clear(result);
    append(result, [
      el("p", { id: "plan-cuts", text: count + " of " + plan.placements.length + " placements on: cuts " + cut.length + " of " +
        chains.length + " listed chains" + (cut.length ? " (" + cut.join(", ") + ")" : "") + "; " + below +
        " of them brought below " + plan.band + "." }),
      el("p", { id: "plan-residual" }, ["Residual risk (the best chain left): " + fixed(now.top.risk, 3) + " ", bandChip(now.top.band),
        now.top.path_text ? " " + now.top.path_text : "",
        now.exact ? " (re-analysed)" : " (approximate: combined from each placement alone, over the listed chains)"])
    ]);
  }

  function refreshPlan() {
    renderList();
    renderPlanResult();
  }

  // -- keyboard -----------------------------------------------------------------------------
  function moveCursor(step) {
    if (!state.visible.length) { return; }
    var next = state.cursor < 0 ? (step > 0 ? 0 : state.visible.length - 1) : state.cursor + step;
    state.cursor = Math.max(0, Math.min(state.visible.length - 1, next));
    markList();
  }

  function inField(target) {
    return /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName);
  }

  function onKey(event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (inField(target)) {
      if (event.key === "Escape" && target.id === "f-search") {
        target.value = ""; target.blur(); refresh(); event.preventDefault();
      } else if (event.key === "Enter" && target.id === "f-search") {
        target.blur(); $("chains").focus(); event.preventDefault();
      }
      return;
    }
    var key = event.key;
    if (key === "/") { $("f-search").focus(); event.preventDefault(); }
    else if (key === "j" || key === "ArrowDown") { moveCursor(1); event.preventDefault(); }
    else if (key === "k" || key === "ArrowUp") { moveCursor(-1); event.preventDefault(); }
    else if (key === "Enter" && !/^(BUTTON|SUMMARY|A)$/.test(target.tagName)) {
      if (state.cursor >= 0) { select(chains[state.visible[state.cursor]].id); event.preventDefault(); }
    } else if (key === "Escape") { clearFilters(); state.cursor = -1; select(null); refresh(); }
  }

  setUpFilters();
  $("plan-all").addEventListener("click", function () { setAll(true); });
  $("plan-none").addEventListener("click", function () { setAll(false); });
  renderPlan();
  refresh();
  document.addEventListener("keydown", onKey);
  document.body.setAttribute("data-ready", "true");
}());

// strata report: pan, zoom and node details for the inline SVG graph.
// Written for this page; it fetches nothing and writes text with
// textContent only (the node facts arrive as JSON in #strata-data).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("strata-data").textContent);
  var svg = document.getElementById("graph-svg");
  var viewport = document.getElementById("viewport");
  var details = document.getElementById("details");
  var search = document.getElementById("search");
  var full = { w: parseFloat(svg.dataset.width) || 1, h: parseFloat(svg.dataset.height) || 1 };
  var view = { x: 0, y: 0, w: full.w, h: full.h };
  var nodeElements = {};
  var edgeElements = [];

  Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (g) {
    var id = g.getAttribute("data-id");
    nodeElements[id] = g;
    var facts = data.nodes[id];
    if (facts && facts.findings.length > 0) {
      g.classList.add("has-findings");
    }
  });
  Array.prototype.forEach.call(svg.querySelectorAll("path.edge"), function (p) {
    edgeElements.push(p);
  });

  // --- pan and zoom: the viewBox is the camera --------------------------
  function apply() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
  }
  function fit() {
    var box = viewport.getBoundingClientRect();
    var aspect = box.width > 0 && box.height > 0 ? box.width / box.height : full.w / full.h;
    // Small graphs are not blown up beyond 1.6x.
    var minW = Math.max(full.w, full.h * aspect, box.width / 1.6);
    view.w = minW;
    view.h = minW / aspect;
    view.x = (full.w - view.w) / 2;
    view.y = (full.h - view.h) / 2;
    apply();
  }
  function zoom(factor, cx, cy) {
    var w = Math.min(Math.max(view.w * factor, 40), Math.max(full.w, full.h) * 4);
    var f = w / view.w;
    view.x = cx - (cx - view.x) * f;
    view.y = cy - (cy - view.y) * f;
    view.w = w;
    view.h = view.h * f;
    apply();
  }
  function toGraph(clientX, clientY) {
    var box = svg.getBoundingClientRect();
    var scale = Math.max(view.w / box.width, view.h / box.height);
    // preserveAspectRatio xMidYMid meet centres the viewBox.
    var ox = (box.width - view.w / scale) / 2;
    var oy = (box.height - view.h / scale) / 2;
    return { x: view.x + (clientX - box.left - ox) * scale, y: view.y + (clientY - box.top - oy) * scale, scale: scale };
  }
  viewport.addEventListener("wheel", function (event) {
    event.preventDefault();
    var p = toGraph(event.clientX, event.clientY);
    zoom(event.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  }, { passive: false });

  var drag = null;
  viewport.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) { return; }
    drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, moved: false, target: event.target };
    // Capture keeps the drag going outside the viewport; a pointer the
    // browser does not track (a synthetic one) cannot be captured.
    try { viewport.setPointerCapture(event.pointerId); } catch (e) { /* drag without capture */ }
  });
  viewport.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var dx = event.clientX - drag.x;
    var dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) { return; }
    drag.moved = true;
    viewport.classList.add("dragging");
    var scale = toGraph(0, 0).scale;
    view.x = drag.vx - dx * scale;
    view.y = drag.vy - dy * scale;
    apply();
  });
  function endDrag(event) {
    if (!drag) { return; }
    var wasClick = !drag.moved;
    var target = drag.target;
    drag = null;
    viewport.classList.remove("dragging");
    try { viewport.releasePointerCapture(event.pointerId); } catch (e) { /* not captured */ }
    if (wasClick) {
      var g = target && target.closest ? target.closest("g.node") : null;
      if (g) { select(g.getAttribute("data-id"), false); } else { clearSelection(); }
    }
  }
  viewport.addEventListener("pointerup", endDrag);
  viewport.addEventListener("pointercancel", endDrag);

  document.getElementById("zoom-in").addEventListener("click", function () {
    zoom(1 / 1.4, view.x + view.w / 2, view.y + view.h / 2);
  });
  document.getElementById("zoom-out").addEventListener("click", function () {
    zoom(1.4, view.x + view.w / 2, view.y + view.h / 2);
  });
  document.getElementById("zoom-fit").addEventListener("click", fit);

  // --- selection and the details panel ------------------------------------
  function el(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (className) { e.className = className; }
    return e;
  }
  function nodeLink(id) {
    var a = el("a", id, "node-link");
    a.href = "#graph";
    a.setAttribute("data-node", id);
    return a;
  }
  function clearSelection() {
    svg.classList.remove("focus");
    Array.prototype.forEach.call(svg.querySelectorAll(".near, .selected"), function (e) {
      e.classList.remove("near");
      e.classList.remove("selected");
    });
  }
  function centreOn(g) {
    var r = g.querySelector("rect");
    var x = parseFloat(r.getAttribute("x")) + parseFloat(r.getAttribute("width")) / 2;
    var y = parseFloat(r.getAttribute("y")) + parseFloat(r.getAttribute("height")) / 2;
    // Close enough for the labels to be read (0.6 screen pixels a unit).
    var limit = Math.max(viewport.getBoundingClientRect().width, 300) / 0.6;
    if (view.w > limit) {
      var f = limit / view.w;
      view.w *= f;
      view.h *= f;
    }
    view.x = x - view.w / 2;
    view.y = y - view.h / 2;
    apply();
  }
  function select(id, centre) {
    var facts = data.nodes[id];
    var g = nodeElements[id];
    if (!facts || !g) { return false; }
    clearSelection();
    svg.classList.add("focus");
    g.classList.add("selected");
    g.classList.add("near");
    edgeElements.forEach(function (p) {
      var from = p.getAttribute("data-from");
      var to = p.getAttribute("data-to");
      if (from === id || to === id) {
        p.classList.add("near");
        var other = nodeElements[from === id ? to : from];
        if (other) { other.classList.add("near"); }
      }
    });
    if (centre) { centreOn(g); }
    showDetails(id, facts);
    return true;
  }
  function showDetails(id, facts) {
    details.textContent = "";
    details.appendChild(el("h3", id));
    var dl = el("dl");
    function row(key, value) {
      dl.appendChild(el("dt", key));
      dl.appendChild(el("dd", value));
    }
    row("kind", facts.kind);
    row("name", facts.name);
    row("layer", facts.layer);
    if (facts.file) { row("declared", facts.file + ":" + facts.line); }
    Object.keys(facts.attrs).forEach(function (key) {
      var v = facts.attrs[key];
      row(key, typeof v === "string" ? v : JSON.stringify(v, null, 1));
    });
    details.appendChild(dl);
    function edgeList(title, list) {
      details.appendChild(el("h4", title + " (" + list.length + ")"));
      if (list.length === 0) { return; }
      var ul = el("ul", null, "edges");
      list.forEach(function (edge) {
        var li = el("li");
        li.appendChild(el("span", edge[0] + " ", "edge-kind"));
        li.appendChild(nodeLink(edge[1]));
        ul.appendChild(li);
      });
      details.appendChild(ul);
    }
    edgeList("Depends on", facts.out);
    edgeList("Dependents", facts["in"]);
    details.appendChild(el("h4", "Findings (" + facts.findings.length + ")"));
    if (facts.findings.length > 0) {
      var ul = el("ul", null, "node-findings");
      facts.findings.forEach(function (f) {
        var li = el("li", null, "node-finding " + f.severity);
        var a = el("a", f.severity + " " + f.code);
        a.href = "#" + f.anchor;
        li.appendChild(a);
        li.appendChild(document.createTextNode(": " + f.message));
        ul.appendChild(li);
      });
      details.appendChild(ul);
    }
  }

  // Any link to a node (panel, findings, plan) selects it in the graph.
  document.addEventListener("click", function (event) {
    var a = event.target.closest ? event.target.closest("a.node-link") : null;
    if (!a) { return; }
    if (select(a.getAttribute("data-node"), true)) {
      event.preventDefault();
      document.getElementById("graph").scrollIntoView();
    }
  });
  function fromSearch() {
    var id = search.value.trim();
    if (id) { select(id, true); }
  }
  search.addEventListener("change", fromSearch);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { fromSearch(); }
  });

  // Opening view: the whole graph when its labels stay legible; else a
  // legible close-up of the most connected node (Fit shows everything).
  function opening() {
    fit();
    var box = viewport.getBoundingClientRect();
    if (box.width <= 0 || box.width / view.w >= 0.3) { return; }
    var best = null;
    var degree = -1;
    Object.keys(data.nodes).forEach(function (id) {
      var n = data.nodes[id].out.length + data.nodes[id]["in"].length;
      if (n > degree && nodeElements[id]) { best = id; degree = n; }
    });
    if (best) { centreOn(nodeElements[best]); }
  }
  opening();
  // `report.html#node=host/homelab-0` opens with that node selected.
  var hash = window.location.hash;
  if (hash.indexOf("#node=") === 0) {
    select(decodeURIComponent(hash.slice(6)), true);
  }
}());

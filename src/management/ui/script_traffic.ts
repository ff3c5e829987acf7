/**
 * UI script, part 5: the live traffic page (connections/s and bytes/s per backend and in total, computed from
 * two polls of `GET /api/stats`, with a two-minute sparkline), then the page table, the tabs and the refresh
 * loop that start the UI.
 *
 * @module
 */

/** Browser JavaScript: traffic page and start-up. */
export const TRAFFIC_JS: string = String.raw`
var SVG_NS = "http://www.w3.org/2000/svg";

function sparkline(values, label) {
  var w = 240, hgt = 40;
  var svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 " + w + " " + hgt);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "spark");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  var max = Math.max.apply(null, values.concat([1e-9]));
  var step = values.length > 1 ? w / (values.length - 1) : w;
  var pts = values.map(function (v, i) { return (i * step).toFixed(1) + "," + (hgt - 2 - (v / max) * (hgt - 4)).toFixed(1); });
  var line = document.createElementNS(SVG_NS, "polyline");
  line.setAttribute("points", pts.join(" ") || "0," + (hgt - 2));
  svg.append(line);
  return svg;
}

function trafficPage() {
  var totalsSlot = h("div", { class: "stats" });
  var tableSlot = h("div");
  var prev = null;
  var history = { conns: [], bytes: [] };
  var HISTORY = 60;

  function mount(root) {
    root.append(
      pageHead("Live traffic", "Rates computed from the change between two polls, every 2 s. Bytes are counted when a connection ends."),
      totalsSlot,
      h("section", { class: "card" }, tableSlot));
  }

  function rate(now, before, dt) { return dt > 0 ? Math.max(0, now - before) / dt : 0; }

  function stat(label, value, extra) {
    return h("div", { class: "stat" }, h("span", { class: "stat-label" }, label), h("span", { class: "stat-value" }, value), extra || null);
  }

  function refresh() {
    return api("GET", "/api/stats").then(function (s) {
      var dt = prev ? (s.time - prev.time) / 1000 : 0;
      var t = s.totals, p = prev ? prev.totals : t;
      var connRate = rate(t.routed, p.routed, dt);
      var byteRate = rate(t.ingressBytes + t.egressBytes, p.ingressBytes + p.egressBytes, dt);
      if (prev) {
        history.conns.push(connRate);
        history.bytes.push(byteRate);
        if (history.conns.length > HISTORY) { history.conns.shift(); history.bytes.shift(); }
      }
      clear(totalsSlot).append(
        stat("Active connections", String(t.activeConnections)),
        stat("Connections/s", fmtRate(connRate), sparkline(history.conns, "Connections per second")),
        stat("Bytes/s", fmtBytes(byteRate) + "/s", sparkline(history.bytes, "Bytes per second")),
        stat("Routed", String(t.routed)),
        stat("Failed", String(t.failed)),
        stat("Transferred", fmtBytes(t.ingressBytes + t.egressBytes)));
      var before = {};
      (prev ? prev.backends : []).forEach(function (b) { before[b.networkProtocol + "/" + b.name] = b; });
      clear(tableSlot).append(h("div", { class: "card-head" }, h("h2", null, "Per backend")),
        dataTable(["Backend", "Network", "Status", "Active", "Conn/s", "In/s", "Out/s", "Routed", "In", "Out"], s.backends.map(function (b) {
          var o = before[b.networkProtocol + "/" + b.name] || b;
          return [h("strong", null, b.name), b.networkProtocol.toUpperCase(), badge(b.status), String(b.activeConnections),
            fmtRate(rate(b.routedConnections, o.routedConnections, dt)),
            fmtBytes(rate(b.ingressBytes, o.ingressBytes, dt)) + "/s", fmtBytes(rate(b.egressBytes, o.egressBytes, dt)) + "/s",
            String(b.routedConnections), fmtBytes(b.ingressBytes), fmtBytes(b.egressBytes)];
        }), "No backends."));
      prev = s;
    });
  }

  return { id: "traffic", title: "Traffic", mount: mount, refresh: refresh };
}

var PAGES = [backendsPage, healthPage, listenersPage, portMapsPage, tlsPage, trafficPage].map(function (f) { return f(); });
var current = null;
var lastError = "";
var inflight = false;

function refreshNow() {
  if (!current || inflight) return;
  var page = current;
  inflight = true;
  page.refresh().then(function () {
    if (lastError) { lastError = ""; notice.hide(); }
  }, function (err) {
    if (err.message !== lastError) { lastError = err.message; notice.show(err.message, "error"); }
  }).then(function () { inflight = false; });
}

function show(id) {
  var page = PAGES.filter(function (p) { return p.id === id; })[0] || PAGES[0];
  if (page === current) return;
  current = page;
  document.querySelectorAll("#tabs a").forEach(function (a) {
    if (a.dataset.page === page.id) {
      a.setAttribute("aria-current", "page");
      a.scrollIntoView({ block: "nearest", inline: "center" });
    }
    else a.removeAttribute("aria-current");
  });
  var main = clear(document.getElementById("main"));
  if (!page.mounted) { page.root = h("div", { class: "page", id: "page-" + page.id }); page.mount(page.root); page.mounted = true; }
  main.append(page.root);
  document.title = page.title + " \u00b7 pmmux";
  inflight = false;
  refreshNow();
}

function start() {
  var tabs = document.getElementById("tabs");
  PAGES.forEach(function (p) { tabs.append(h("a", { href: "#" + p.id, "data-page": p.id }, p.title)); });
  window.addEventListener("hashchange", function () { show(location.hash.slice(1)); });
  show(location.hash.slice(1) || "backends");
  setInterval(function () { if (!document.hidden) refreshNow(); }, 2000);
}

start();
`;

/**
 * UI script, part 3: the listeners page and the port forwarding page (NAT device and mappings; "no NAT device"
 * until one answers).
 *
 * @module
 */

/** Browser JavaScript: listeners and port forwarding pages. */
export const NETWORK_JS: string = String.raw`
var NETWORKS = [["Tcp", "TCP"], ["Udp", "UDP"]];

function listenersPage() {
  var slot = h("div");

  function mount(root) {
    var form = h("form", { class: "form-grid", id: "listener-form", autocomplete: "off", onsubmit: function (ev) {
      ev.preventDefault();
      var v = formValues(form);
      var body = { networkProtocol: v.networkProtocol, port: Number(v.port) };
      if (v.bindAddress) body.bindAddress = v.bindAddress;
      act(api("POST", "/api/listeners", body), "Listening on " + v.networkProtocol.toUpperCase() + " port " + v.port)
        .then(function () { form.reset(); }, function () {});
    } },
      field("Network protocol", select("networkProtocol", NETWORKS, "Tcp")),
      field("Bind address", h("input", { name: "bindAddress", placeholder: "0.0.0.0", spellcheck: "false" })),
      field("Port", h("input", { name: "port", type: "number", min: 0, max: 65535, required: true, placeholder: "8443" })),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Open listener")));
    root.append(
      pageHead("Listeners", "Sockets pmmux accepts on. Closing one stops accepting; established connections continue."),
      h("section", { class: "card" }, slot),
      card("Open a listener", form));
  }

  function refresh() {
    return api("GET", "/api/listeners").then(function (list) {
      clear(slot).append(h("div", { class: "card-head" }, h("h2", null, "Open listeners"), h("span", { class: "count" }, String(list.length))),
        dataTable(["Address", "Network", "Port", "Id", ""], list.map(function (l) {
          var host = l.bindAddress.indexOf(":") >= 0 ? "[" + l.bindAddress + "]" : l.bindAddress;
          return [h("code", null, host + ":" + l.port), l.networkProtocol.toUpperCase(), String(l.port), String(l.id),
            confirmButton("listener:" + l.id, "Close", "Confirm", function () {
              act(api("DELETE", "/api/listeners?id=" + l.id), "Listener closed").catch(function () {});
            })];
        }), "No listeners are open."));
    });
  }

  return { id: "listeners", title: "Listeners", mount: mount, refresh: refresh };
}

function portMapsPage() {
  var deviceSlot = h("div");
  var mapSlot = h("div");

  function mount(root) {
    var form = h("form", { class: "form-grid", id: "portmap-form", autocomplete: "off", onsubmit: function (ev) {
      ev.preventDefault();
      var v = formValues(form);
      var body = { networkProtocol: v.networkProtocol };
      if (v.localPort) body.localPort = Number(v.localPort);
      if (v.publicPort) body.publicPort = Number(v.publicPort);
      act(api("POST", "/api/port-maps", body), "Port mapping added").then(function () { form.reset(); }, function () {});
    } },
      field("Network protocol", select("networkProtocol", NETWORKS, "Tcp")),
      field("Local port", h("input", { name: "localPort", type: "number", min: 1, max: 65535, placeholder: "8443" }), "Empty: the port the device assigns"),
      field("Public port", h("input", { name: "publicPort", type: "number", min: 1, max: 65535, placeholder: "443" }), "Empty: same as local"),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Add mapping")));
    root.append(
      pageHead("Port forwarding", "Ports opened on the home router with UPnP-IGD or NAT-PMP, renewed before they expire."),
      h("section", { class: "card" }, h("div", { class: "card-head" }, h("h2", null, "NAT device")), deviceSlot),
      h("section", { class: "card" }, mapSlot),
      card("Add a mapping", form));
  }

  function refresh() {
    var device = api("GET", "/api/port-maps/device").catch(function (err) {
      if (err.status === 404) return null;
      throw err;
    });
    return Promise.all([device, api("GET", "/api/port-maps")]).then(function (r) {
      var d = r[0], maps = r[1];
      clear(deviceSlot).append(d
        ? h("dl", { class: "facts" },
          h("div", null, h("dt", null, "Protocol"), h("dd", null, d.protocol === "Pmp" ? "NAT-PMP" : "UPnP-IGD")),
          h("div", null, h("dt", null, "Gateway"), h("dd", null, h("code", null, d.gateway))),
          h("div", null, h("dt", null, "Public address"), h("dd", null, h("code", null, d.publicAddress))))
        : h("div", { class: "placeholder", id: "no-nat" }, h("strong", null, "No NAT device"),
          h("span", { class: "muted" }, "None has answered on this network yet, or no port binding asks for a mapping.")));
      clear(mapSlot).append(h("div", { class: "card-head" }, h("h2", null, "Mappings"), h("span", { class: "count" }, String(maps.length))),
        dataTable(["Network", "Local port", "Public port", "Status", "Expires", ""], maps.map(function (m) {
          var q = "?networkProtocol=" + m.networkProtocol +
            (m.localPort !== null ? "&localPort=" + m.localPort : "") + (m.publicPort !== null ? "&publicPort=" + m.publicPort : "");
          return [m.networkProtocol.toUpperCase(), m.localPort === null ? "?" : String(m.localPort),
            m.publicPort === null ? "?" : String(m.publicPort),
            h("div", { class: "status-cell" }, badge(m.status), m.error ? h("span", { class: "reason" }, m.error) : null),
            m.expiresAt ? fmtTime(m.expiresAt) : "\u2013",
            confirmButton("pm:" + q, "Remove", "Confirm", function () {
              act(api("DELETE", "/api/port-maps" + q), "Port mapping removed").catch(function () {});
            })];
        }), "No port mappings."));
    });
  }

  return { id: "port-forwarding", title: "Port forwarding", mount: mount, refresh: refresh };
}
`;

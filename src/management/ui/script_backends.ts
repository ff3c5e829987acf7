/**
 * UI script, part 2: the backends page (status badges, add, edit = replace in place, remove with draining)
 * and the health-checks page (specs and each backend's health).
 *
 * @module
 */

/** Browser JavaScript: backends and health-checks pages. */
export const BACKENDS_JS: string = String.raw`
var PROTOCOL_SUGGESTIONS = ["pass", "noop", "echo", "http-proxy", "http-response", "bittorrent-pass"];

function pageHead(title, text) {
  return h("div", { class: "page-head" }, h("h1", null, title), h("p", { class: "muted" }, text));
}

function backendsPage() {
  var slot = h("div");
  var form, submit, cancel, heading, editing = null;

  function startEdit(b) {
    editing = b;
    form.elements.name.value = b.spec.name;
    form.elements.name.readOnly = true;
    form.elements.protocol.value = b.spec.protocolName;
    form.elements.networkProtocol.value = b.networkProtocol;
    form.elements.parameters.value = paramsText(b.spec.parameters);
    heading.textContent = "Replace backend \u201c" + b.spec.name + "\u201d (" + b.networkProtocol.toUpperCase() + ")";
    submit.textContent = "Replace";
    cancel.hidden = false;
    form.scrollIntoView({ behavior: "smooth", block: "center" });
  }

  function stopEdit() {
    editing = null;
    form.reset();
    form.elements.name.readOnly = false;
    heading.textContent = "Add a backend";
    submit.textContent = "Add backend";
    cancel.hidden = true;
  }

  function onSubmit(ev) {
    ev.preventDefault();
    var v = formValues(form);
    var path = "/api/backends/" + encodeURIComponent(v.protocol) + "/" + encodeURIComponent(v.name) +
      (v.networkProtocol ? "?networkProtocol=" + encodeURIComponent(v.networkProtocol) : "");
    var verb = editing ? "PUT" : "POST";
    submit.disabled = true;
    act(api(verb, path, parseParams(v.parameters || "")),
      editing ? "Backend \u201c" + v.name + "\u201d replaced" : "Backend \u201c" + v.name + "\u201d added")
      .then(stopEdit, function () {})
      .then(function () { submit.disabled = false; });
  }

  function mount(root) {
    heading = h("h2", null, "Add a backend");
    submit = h("button", { type: "submit", class: "primary" }, "Add backend");
    cancel = h("button", { type: "button", hidden: true, onclick: stopEdit }, "Cancel");
    form = h("form", { class: "form-grid", id: "backend-form", onsubmit: onSubmit, autocomplete: "off" },
      field("Name", h("input", { name: "name", required: true, placeholder: "web", spellcheck: "false" })),
      field("Protocol", h("input", { name: "protocol", required: true, list: "protocol-list", placeholder: "pass", spellcheck: "false" })),
      field("Network protocol", select("networkProtocol", [["", "Every one it serves"], ["Tcp", "TCP"], ["Udp", "UDP"]], "")),
      h("div", { class: "field wide" },
        field("Parameters", h("textarea", { name: "parameters", rows: 3, spellcheck: "false",
          placeholder: "target.ip=127.0.0.1\ntarget.port=8080" }), "One key=value per line, as in -b name:protocol:key=value,\u2026")),
      h("div", { class: "form-actions" }, submit, cancel),
      h("datalist", { id: "protocol-list" }, PROTOCOL_SUGGESTIONS.map(function (p) { return h("option", { value: p }); })));
    root.append(
      pageHead("Backends", "In routing order. New connections go to the first routable backend that matches; removing lets open connections finish."),
      h("section", { class: "card" }, slot),
      h("section", { class: "card" }, h("div", { class: "card-head" }, heading), form));
  }

  function refresh() {
    return api("GET", "/api/backends").then(function (list) {
      var rows = list.map(function (b) {
        var key = "backend:" + b.networkProtocol + ":" + b.spec.name;
        return [
          h("div", { class: "name-cell" }, h("strong", null, b.spec.name)),
          b.spec.protocolName,
          b.networkProtocol.toUpperCase(),
          b.priorityTier,
          h("div", { class: "status-cell" }, badge(b.status), b.statusReason ? h("span", { class: "reason" }, b.statusReason) : null),
          String(b.activeConnections),
          String(b.routedConnections),
          h("div", { class: "row-actions" },
            h("button", { type: "button", class: "small", onclick: function () { startEdit(b); } }, "Edit"),
            confirmButton(key, "Remove", "Confirm", function () {
              var path = "/api/backends/" + encodeURIComponent(b.spec.protocolName) + "/" + encodeURIComponent(b.spec.name) +
                "?networkProtocol=" + b.networkProtocol + "&drain=true";
              act(api("DELETE", path), "Backend \u201c" + b.spec.name + "\u201d removed").catch(function () {});
            })),
        ];
      });
      clear(slot).append(h("div", { class: "card-head" }, h("h2", null, "Backends"), h("span", { class: "count" }, String(list.length))),
        dataTable(["Name", "Protocol", "Network", "Tier", "Status", "Active", "Routed", ""], rows,
          "No backends yet. Add one below."));
    });
  }

  return { id: "backends", title: "Backends", mount: mount, refresh: refresh };
}

function healthPage() {
  var specSlot = h("div");
  var healthSlot = h("div");

  function mount(root) {
    var form = h("form", { class: "form-grid", id: "health-form", autocomplete: "off", onsubmit: function (ev) {
      ev.preventDefault();
      var spec = form.elements.spec.value.trim();
      act(api("POST", "/api/health-checks", { spec: spec }), "Health check added").then(function () { form.reset(); }, function () {});
    } },
      h("div", { class: "field wide" }, field("Spec", h("input", { name: "spec", required: true, spellcheck: "false",
        placeholder: "pass:web:interval=5000,timeout=2000" }),
        "As -z: [protocol][:backend][:params]; timings in ms: initial-delay, interval, timeout, failure-threshold, recovery-threshold")),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Add health check")));
    root.append(
      pageHead("Health checks", "A check naming a backend wins over one naming its protocol, which wins over a global one."),
      h("section", { class: "card" }, specSlot),
      card("Add a health check", form),
      h("section", { class: "card" }, healthSlot));
  }

  function refresh() {
    return Promise.all([api("GET", "/api/health-checks"), api("GET", "/api/backends")]).then(function (r) {
      var specs = r[0], backends = r[1];
      clear(specSlot).append(h("div", { class: "card-head" }, h("h2", null, "Specs"), h("span", { class: "count" }, String(specs.length))),
        dataTable(["Applies to", "Interval", "Timeout", "Thresholds", "Parameters", ""], specs.map(function (s) {
          var target = s.backend ? s.protocol + " \u203a " + s.backend : s.protocol ? "every " + s.protocol : "every backend";
          var q = "?protocol=" + encodeURIComponent(s.protocol || "") + "&backend=" + encodeURIComponent(s.backend || "");
          return [
            h("code", null, target), s.interval + " ms", s.timeout + " ms",
            s.failureThreshold + " fail / " + s.recoveryThreshold + " ok",
            paramsText(s.parameters).replace(/\n/g, ", ") || "\u2013",
            confirmButton("hc:" + s.spec, "Remove", "Confirm", function () {
              act(api("DELETE", "/api/health-checks" + q), "Health check removed").catch(function () {});
            }),
          ];
        }), "No health checks: every backend is Unknown and routable."));
      clear(healthSlot).append(h("div", { class: "card-head" }, h("h2", null, "Backend health")),
        dataTable(["Backend", "Network", "Health", "Reason", "Last check", "Failures", "Successes"], backends.map(function (b) {
          return [h("strong", null, b.spec.name), b.networkProtocol.toUpperCase(), badge(b.status), b.statusReason || "\u2013",
            fmtTime(b.lastHealthCheck), String(b.healthCheckFailureCount), String(b.healthCheckSuccessCount)];
        }), "No backends."));
    });
  }

  return { id: "health", title: "Health checks", mount: mount, refresh: refresh };
}
`;

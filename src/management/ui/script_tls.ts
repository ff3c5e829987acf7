/**
 * UI script, part 4: the TLS page (certificates and hostname mappings; a notice when TLS is not enabled).
 *
 * @module
 */

/** Browser JavaScript: TLS page. */
export const TLS_JS: string = String.raw`
function tlsPage() {
  var certSlot = h("div"), mapSlot = h("div"), disabled = h("div");
  var parts = [];
  var certForm, mapForm;

  function mount(root) {
    certForm = h("form", { class: "form-grid", id: "cert-form", autocomplete: "off", onsubmit: function (ev) {
      ev.preventDefault();
      act(api("POST", "/api/tls/certificates", { spec: certForm.elements.spec.value.trim() }), "Certificate installed")
        .then(function () { certForm.reset(); }, function () {});
    } },
      h("div", { class: "field wide" }, field("Certificate spec", h("input", { name: "spec", required: true, spellcheck: "false",
        placeholder: "site:path=/etc/tls/site.pem,key=/etc/tls/site.key" }),
        "As --tls-certificate: name:path=<file>[,key=<file>][,type=pem|pfx|der][,password=\u2026] or name:certificate=<base64>")),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Add certificate")));
    mapForm = h("form", { class: "form-grid", id: "mapping-form", autocomplete: "off", onsubmit: function (ev) {
      ev.preventDefault();
      var v = formValues(mapForm);
      act(api("POST", "/api/tls/certificate-mappings", { certificate: v.certificate, hostname: v.hostname }), "Mapping added")
        .then(function () { mapForm.reset(); }, function () {});
    } },
      field("Host name", h("input", { name: "hostname", required: true, placeholder: "*.example.com", spellcheck: "false" })),
      field("Certificate", h("input", { name: "certificate", required: true, placeholder: "site", spellcheck: "false" })),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Add mapping")));
    parts = [h("section", { class: "card" }, certSlot), card("Add a certificate", certForm),
      h("section", { class: "card" }, mapSlot), card("Add a mapping", mapForm)];
    append(root, [
      pageHead("TLS", "Certificates chosen by SNI: exact mapping, then wildcard, then generated, then the default."),
      disabled, parts]);
  }

  function enabled(on) {
    parts.forEach(function (p) { p.hidden = !on; });
    disabled.hidden = on;
  }

  function refresh() {
    return Promise.all([api("GET", "/api/tls/certificates"), api("GET", "/api/tls/certificate-mappings")]).then(function (r) {
      var certs = r[0], maps = r[1];
      enabled(true);
      clear(certSlot).append(h("div", { class: "card-head" }, h("h2", null, "Certificates"), h("span", { class: "count" }, String(certs.length))),
        dataTable(["Name", "Subject", "Host names", "Valid until", "Source", ""], certs.map(function (c) {
          return [h("strong", null, c.name), c.subject || "\u2013", (c.hostnames || []).join(", ") || "\u2013",
            c.notAfter ? new Date(c.notAfter).toLocaleDateString() : "\u2013", c.source || "\u2013",
            confirmButton("cert:" + c.name, "Remove", "Confirm", function () {
              act(api("DELETE", "/api/tls/certificates?name=" + encodeURIComponent(c.name)), "Certificate removed").catch(function () {});
            })];
        }), "No certificates."));
      clear(mapSlot).append(h("div", { class: "card-head" }, h("h2", null, "Host name mappings"), h("span", { class: "count" }, String(maps.length))),
        dataTable(["Host name", "Certificate", ""], maps.map(function (m) {
          return [h("code", null, m.hostname), m.certificate,
            confirmButton("map:" + m.hostname, "Remove", "Confirm", function () {
              act(api("DELETE", "/api/tls/certificate-mappings?certificate=" + encodeURIComponent(m.certificate) +
                "&hostname=" + encodeURIComponent(m.hostname)), "Mapping removed").catch(function () {});
            })];
        }), "No mappings."));
    }, function (err) {
      if (err.status !== 404) throw err;
      enabled(false);
      if (!disabled.firstChild) {
        disabled.append(h("section", { class: "card" }, h("div", { class: "placeholder", id: "tls-disabled" },
          h("strong", null, "TLS is not enabled"),
          h("span", { class: "muted" }, "Start pmmux with --tls-enable to terminate TLS and manage certificates here."))));
      }
    });
  }

  return { id: "tls", title: "TLS", mount: mount, refresh: refresh };
}
`;

/**
 * UI script, part 1: the API client (token asked once and kept in sessionStorage, errors as exceptions), the
 * DOM helper, the notice banner and small formatters. Plain browser JavaScript in a string, so the UI is
 * embedded in the binary; it never builds HTML from data (text nodes only).
 *
 * @module
 */

/** Browser JavaScript: core helpers shared by every page. */
export const CORE_JS: string = String.raw`
"use strict";
var TOKEN_KEY = "pmmux.token";

function h(tag, attrs) {
  var el = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k.slice(0, 2) === "on" && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k === "value") el.value = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    });
  }
  for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
  return el;
}

function append(el, child) {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
  el.append(child instanceof Node ? child : String(child));
}

function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

var notice = {
  timer: 0,
  show: function (message, kind) {
    var box = document.getElementById("notice");
    clear(box);
    box.className = "notice " + (kind || "error");
    box.append(h("span", { class: "notice-text", role: kind === "ok" ? "status" : "alert" }, message));
    box.append(h("button", { class: "link", type: "button", "aria-label": "Dismiss", onclick: notice.hide }, "\u00d7"));
    box.hidden = false;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(notice.hide, kind === "ok" ? 3000 : 12000);
  },
  hide: function () { document.getElementById("notice").hidden = true; },
};

var asking = null;
function askToken(again) {
  if (asking) return asking;
  asking = new Promise(function (resolve) {
    var dialog = document.getElementById("token-dialog");
    var input = document.getElementById("token-input");
    document.getElementById("token-hint").textContent = again
      ? "That token was not accepted. Try again."
      : "This pmmux asks for its management token (--management-token).";
    input.value = "";
    dialog.showModal();
    input.focus();
    document.getElementById("token-form").onsubmit = function (ev) {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      dialog.close();
      asking = null;
      resolve();
    };
  });
  return asking;
}

function api(method, path, body) {
  var headers = {};
  var token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
    .then(function (res) {
      if (res.status === 401) return askToken(!!token).then(function () { return api(method, path, body); });
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var err = new Error(data && data.error ? data.error : "HTTP " + res.status + " " + res.statusText);
          err.status = res.status;
          throw err;
        }
        return data;
      });
    }, function (err) {
      throw new Error("Cannot reach the management API: " + err.message);
    });
}

/** Runs an API action from a form or button; shows the error, or the success message. */
function act(promise, success) {
  return promise.then(function (data) {
    if (success) notice.show(success, "ok");
    refreshNow();
    return data;
  }, function (err) {
    notice.show(err.message, "error");
    throw err;
  });
}

function badge(status) {
  return h("span", { class: "badge badge-" + String(status || "Unknown").toLowerCase() }, status || "Unknown");
}

function fmtBytes(n) {
  if (!isFinite(n)) return "-";
  var units = ["B", "KiB", "MiB", "GiB", "TiB"];
  var i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(Math.round(n)) : n.toFixed(n < 10 ? 2 : 1)) + " " + units[i];
}

function fmtRate(n) { return n < 0.05 ? "0" : n < 10 ? n.toFixed(1) : String(Math.round(n)); }

function fmtTime(iso) {
  if (!iso) return "never";
  var d = new Date(iso);
  return d.toLocaleTimeString();
}

/** Parses "key=value" lines into an object. */
function parseParams(text) {
  var out = {};
  text.split(/\r?\n/).forEach(function (line) {
    var t = line.trim();
    if (!t) return;
    var i = t.indexOf("=");
    if (i < 0) out[t] = "";
    else out[t.slice(0, i).trim()] = t.slice(i + 1).trim();
  });
  return out;
}

function paramsText(obj) {
  return Object.keys(obj || {}).map(function (k) { return k + "=" + obj[k]; }).join("\n");
}

function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control,
    hint ? h("span", { class: "field-hint" }, hint) : null);
}

function select(name, options, value) {
  return h("select", { name: name }, options.map(function (o) {
    var opt = h("option", { value: o[0] }, o[1]);
    if (o[0] === value) opt.selected = true;
    return opt;
  }));
}

/** A table whose cells carry their column name (shown as labels on narrow screens). */
function dataTable(columns, rows, empty) {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h("div", { class: "table-wrap" }, h("table", { class: "data" },
    h("thead", null, h("tr", null, columns.map(function (c) { return h("th", { scope: "col" }, c); }))),
    h("tbody", null, rows.map(function (cells) {
      return h("tr", null, cells.map(function (cell, i) {
        return h("td", { "data-label": columns[i] }, cell);
      }));
    }))));
}

/**
 * A button that asks for a second click before it acts. The armed state is kept by key, so a refresh that
 * redraws the table does not disarm it.
 */
var armed = {};
function confirmButton(key, label, confirmLabel, action) {
  var isArmed = armed[key] && armed[key] > Date.now();
  var b = h("button", { type: "button", class: "danger small" + (isArmed ? " armed" : "") }, isArmed ? confirmLabel : label);
  b.addEventListener("click", function () {
    if (!(armed[key] && armed[key] > Date.now())) {
      armed[key] = Date.now() + 4000;
      b.textContent = confirmLabel;
      b.classList.add("armed");
      setTimeout(function () {
        if (armed[key] && armed[key] <= Date.now()) { delete armed[key]; b.textContent = label; b.classList.remove("armed"); }
      }, 4100);
      return;
    }
    delete armed[key];
    b.disabled = true;
    action();
  });
  return b;
}

function card(title, body, extra) {
  return h("section", { class: "card" }, h("div", { class: "card-head" }, h("h2", null, title), extra || null), body);
}

function formValues(form) {
  var out = {};
  new FormData(form).forEach(function (v, k) { out[k] = typeof v === "string" ? v.trim() : v; });
  return out;
}
`;

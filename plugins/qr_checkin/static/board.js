// The live board: asks the server for its figures every two seconds and draws them. When the
// server cannot be reached it keeps showing the last figures it had, under a red line saying
// since when. Read-only: it never sends anything but GET requests.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var DATA = JSON.parse($("board-data").textContent);
  var T = DATA.t;
  // Per event, as on the volunteer page (checkin.js): /e/{event}/board keeps its own login.
  var SCOPE = location.pathname.replace(/[^\/]*$/, "");
  var SUFFIX = SCOPE === "/" ? "" : " " + SCOPE;
  var TOKEN_KEY = "kexie-token" + SUFFIX, LAST_KEY = "kexie-board-last" + SUFFIX;
  var english = document.documentElement.lang === "en";
  var lastOk = null;   // the server's clock (the event's time zone) when it last answered
  var timer = null;

  function n(value) { return english ? Number(value).toLocaleString("en") : String(value); }
  function hhmm(date) { return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function token() { try { return localStorage.getItem(TOKEN_KEY); } catch (e) { return null; } }

  // A login link puts the token in the fragment; opened in this tab again, it logs in again.
  function loginFromLink() {
    var match = location.hash.match(/login=([^&]+)/);
    if (!match) { return false; }
    try { localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1])); } catch (e) { /* */ }
    history.replaceState(null, "", location.pathname);
    return true;
  }

  function render(data) {
    $("login").hidden = true;
    $("board").hidden = false;
    $("total").textContent = n(data.total);
    $("admitted").textContent = n(data.admitted);
    $("walk-ins").textContent = n(data.walk_ins);
    $("inside").textContent = n(data.inside);
    $("clock").textContent = data.clock;

    var sites = $("sites");
    sites.textContent = "";
    data.sites.forEach(function (site) {
      var box = el("div", "site level-" + site.level);
      box.appendChild(el("div", "name", site.name));
      var numbers = el("div", "numbers", n(site.total));
      var inside = T.inside + " " + n(site.inside) + (site.capacity ? " / " + n(site.capacity) : "");
      if (site.level !== "ok") { inside += " · " + T["level_" + site.level]; }
      numbers.appendChild(el("small", "", inside));
      box.appendChild(numbers);
      var gates = site.gates.map(function (g) {
        if (g.exit) { return g.gate + T.exit_gate + " " + T.exits + " " + (g.out === null ? "–" : n(g.out)); }
        return g.gate + " " + (g.in === null ? "–" : n(g.in));
      });
      box.appendChild(el("div", "gates", gates.join(" · ")));
      sites.appendChild(box);
    });

    var bars = $("arrivals"), top = 1;
    bars.textContent = "";
    data.arrivals.forEach(function (slot) { top = Math.max(top, slot.arrivals); });
    data.arrivals.forEach(function (slot) {
      var bar = el("div", "bar");
      bar.appendChild(el("b", "", slot.arrivals ? n(slot.arrivals) : ""));
      var column = el("i");
      column.style.height = Math.round(80 * slot.arrivals / top) + "%";  // CSSOM: allowed by the CSP
      bar.appendChild(column);
      bar.appendChild(el("small", "", slot.from));
      bars.appendChild(bar);
    });

    var tiles = $("tiles");
    tiles.textContent = "";
    data.tiles.forEach(function (tile) {
      var box = el("div", "tile " + tile.level);
      box.appendChild(el("div", "label", tile.label));
      box.appendChild(el("div", "value", tile.value));
      if (tile.detail.length) {
        var list = el("ul");
        tile.detail.forEach(function (line) { list.appendChild(el("li", "", line)); });
        box.appendChild(list);
      }
      tiles.appendChild(box);
    });
  }

  function offline() {
    $("offline").textContent = T.offline.replace("{time}", lastOk || hhmm(new Date()));
    $("offline").hidden = false;
  }

  function showLogin(message) {
    $("board").hidden = true;
    $("login").hidden = false;
    $("login-note").textContent = message || "";
    $("login-note").hidden = !message;
  }

  function poll() {
    clearTimeout(timer);
    timer = setTimeout(poll, DATA.poll);
    if (!token()) { showLogin(""); return; }
    var controller = window.AbortController ? new AbortController() : null;
    var abort = controller ? setTimeout(function () { controller.abort(); }, DATA.poll * 2) : null;
    fetch("api/v1/board", {
      cache: "no-store",
      headers: { "Authorization": "Bearer " + token() },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
                                  function () { return { status: response.status, data: null }; });
    }).then(function (answer) {
      if (abort) { clearTimeout(abort); }
      if (answer.status === 401) {
        showLogin((answer.data && answer.data.error) || T.login_withdrawn);
        return;
      }
      if (answer.status !== 200 || !answer.data || !answer.data.sites) { offline(); return; }
      lastOk = answer.data.clock;
      $("offline").hidden = true;
      $("status").textContent = T.updated.replace("{time}", lastOk);
      try { localStorage.setItem(LAST_KEY, JSON.stringify(answer.data)); } catch (e) { /* */ }
      render(answer.data);
    }, function () {
      if (abort) { clearTimeout(abort); }
      offline();
    });
  }

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = $("token").value.trim();
    if (!value) { return; }
    try { localStorage.setItem(TOKEN_KEY, value); } catch (e) { /* */ }
    $("token").value = "";
    poll();
  });
  window.addEventListener("hashchange", function () { if (loginFromLink()) { poll(); } });

  loginFromLink();
  // After a reload while the server is down, the last figures this screen had are shown.
  try {
    var saved = JSON.parse(localStorage.getItem(LAST_KEY));
    if (saved && saved.sites && token()) { lastOk = saved.clock; render(saved); }
  } catch (e) { /* nothing saved */ }
  poll();
})();

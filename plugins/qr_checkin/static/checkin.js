// The volunteer page: scan or type a ticket, see the answer, count walk-ins, press buttons.
// No framework and no network beyond this server: it must work on a plaza without internet.
//
// Everything a volunteer records (scans, walk-in taps, plugin buttons) goes through ONE queue
// kept in the phone's storage, each item with its own scan_id made here, so that sending it
// twice records it once. An item is stored before it is sent, and leaves the queue only when
//   - the server recorded it (2xx with an answer), or
//   - the server said the item itself is wrong (a 4xx with a reason: 400, 403, 404, 409,
//     413, 422); the reason is shown to the volunteer.
// A withdrawn login (401) keeps everything until someone logs in on this phone: the queue is
// then sent with that login (another volunteer's records only with a lead's login). No
// network, a busy server (503), or an answer that is not the server's keeps the item too: it
// is sent again after a pause that grows from 1 s to 15 s, and at once when the network is back.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var T = JSON.parse($("strings").textContent);
  var TOKEN_KEY = "kexie-token", GATE_KEY = "kexie-gate", QUEUE_KEY = "kexie-queue";
  var ME_KEY = "kexie-me", NOTICES_KEY = "kexie-notices";
  var me = null;          // who is logged in (GET /api/v1/me); kept for when the network is down
  var withdrawn = false;  // the server refused the current login
  var sending = false;    // one queued item in flight at a time, oldest first
  var retryTimer = null, pause = 0;
  var current = null;     // scan_id of the item whose answer the volunteer is waiting for

  // Storage that a full or disabled localStorage cannot break: the page then keeps its
  // records in memory (lost only if the page is closed) instead of losing them at once.
  var memory = {};
  function read(key, fallback) {
    if (key in memory) { return memory[key]; }
    try {
      var value = JSON.parse(localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) { return fallback; }
  }
  function write(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
      delete memory[key];
    } catch (e) { memory[key] = value; }
  }
  function token() { return localStorage.getItem(TOKEN_KEY); }
  function setToken(value) {
    localStorage.setItem(TOKEN_KEY, value);
    localStorage.removeItem(ME_KEY);
    me = null;
    withdrawn = false;
  }

  // A login link carries the token in the fragment, which never reaches server logs.
  var match = location.hash.match(/login=([^&]+)/);
  if (match) {
    try { setToken(decodeURIComponent(match[1])); } catch (e) { /* a mangled link */ }
    history.replaceState(null, "", location.pathname);
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // --- talking to the server -------------------------------------------------------------

  // One request. The answer comes back sorted by what to do with it:
  // ok (recorded), invalid (the item is wrong: drop it, show why), login (withdrawn), later.
  function call(method, path, body, expect) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, 15000) : null;
    return fetch(path, {
      method: method,
      cache: "no-store",
      headers: { "Authorization": "Bearer " + token(), "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        return sort(response, data, expect);
      });
    }, function () {
      return { kind: "later", message: T.queued_reason };
    }).then(function (outcome) {
      if (timer) { clearTimeout(timer); }
      return outcome;
    });
  }

  function sort(response, data, expect) {
    var status = response.status;
    var json = data !== null && typeof data === "object";
    var said = json && (data.error || data.message) ? String(data.error || data.message) : "";
    if (response.ok && json && (!expect || expect in data)) {
      return { kind: "ok", data: data };
    }
    if (status === 401) { return { kind: "login", message: said || T.login_withdrawn }; }
    var temporary = [408, 425, 429].indexOf(status) >= 0;
    if (status >= 400 && status < 500 && !temporary && said) {
      return { kind: "invalid", message: said };
    }
    // 5xx, a timeout, or an answer that is not ours (a proxy, a captive portal): keep it.
    var retry = parseInt(response.headers.get("Retry-After") || "", 10);
    return {
      kind: "later",
      message: status >= 500 || temporary ? (said || T.server_trouble) : T.unexpected,
      retryAfter: isNaN(retry) ? 0 : retry
    };
  }

  // --- the queue ---------------------------------------------------------------------------

  function queue() {
    return read(QUEUE_KEY, []).map(function (item) {
      if (item.path) { return item; }
      // Scans queued by an earlier version of this page were bare check-in bodies.
      return { id: item.scan_id, kind: "checkin", path: "/api/v1/checkins", expect: "result",
               body: item, by: null, label: item.code };
    });
  }
  function saveQueue(items) { write(QUEUE_KEY, items); renderQueue(items); }
  function drop(id) { saveQueue(queue().filter(function (i) { return i.id !== id; })); }

  // Another volunteer's records are sent only with a lead's login.
  function mine(item) {
    return !item.by || (me && (item.by === me.name || me.role === "lead"));
  }

  function renderQueue(items) {
    var waiting = me ? items.filter(function (i) { return !mine(i); }).length : 0;
    var text = T.queued_count.replace("{n}", items.length);
    if (waiting) { text += " " + T.waiting_for_lead.replace("{n}", waiting); }
    $("queue").hidden = items.length === 0;
    $("queue").textContent = text;
  }

  // Record something: it is in the phone's storage before it is sent.
  function record(kind, path, expect, body, label) {
    body.scan_id = newId();
    var item = { id: body.scan_id, kind: kind, path: path, expect: expect, body: body,
                 by: me ? me.name : null, label: label, at: Date.now() };
    saveQueue(queue().concat([item]));
    current = item.id;
    if (kind !== "headcount") { show("pending", T.sending, ""); }
    pump(true);
  }

  function pump(soon) {
    if (soon) { pause = 0; }
    if (sending) { return; }  // the request in flight picks the next item up
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    var items = queue();
    renderQueue(items);
    if (!token() || withdrawn || !me) { return; }
    var item = items.filter(mine)[0];
    if (!item) { return; }
    sending = true;
    call("POST", item.path, item.body, item.expect).then(function (outcome) {
      sending = false;
      settle(item, outcome);
      if (outcome.kind === "ok" || outcome.kind === "invalid") {
        pause = 0;
        pump();
      } else if (outcome.kind === "login") {
        loginWithdrawn(outcome.message);
      } else {
        later(outcome);
      }
    });
  }

  function settle(item, outcome) {
    var live = item.id === current;
    if (outcome.kind === "ok" || outcome.kind === "invalid") {
      drop(item.id);
      if (live) { current = null; }
    }
    if (outcome.kind === "ok") {
      var data = outcome.data;
      if (item.kind === "checkin") {
        if (live) { answer(data); }
        else if (data.result !== "admitted") { notice(item, titleOf(data.result), data.reason); }
      } else if (item.kind === "action") {
        if (live) { show("admitted", T.done, data.message); beep(true); }
        refreshMe();
      } else if (live) {
        beep(true);
      }
      refreshStats();
    } else if (outcome.kind === "invalid") {
      if (live) { show("error", T.refused, outcome.message); beep(false); }
      else { notice(item, T.refused, outcome.message); }
    }
  }

  function later(outcome) {
    if (current) {  // the volunteer's latest record waits in the queue
      show("queued", T.queued, outcome.message);
      current = null;
    }
    pause = Math.min(pause ? pause * 2 : 1000, 15000);
    retryTimer = setTimeout(pump, Math.max(pause, (outcome.retryAfter || 0) * 1000));
  }

  function loginWithdrawn(message) {
    withdrawn = true;
    current = null;
    showLogin(message);
  }

  // --- what the volunteer sees ----------------------------------------------------------------

  var audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = ok ? [880] : [220, 0, 220];
      tones.forEach(function (freq, i) {
        if (!freq) { return; }
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = freq;
        osc.connect(gain); gain.connect(audio.destination);
        var start = audio.currentTime + i * 0.15;
        gain.gain.setValueAtTime(0.3, start);
        osc.start(start); osc.stop(start + (ok ? 0.2 : 0.12));
      });
    } catch (e) { /* no sound on this phone: the colour still tells */ }
    if (navigator.vibrate) { navigator.vibrate(ok ? 80 : [60, 60, 60]); }
  }

  function show(kind, title, reason) {
    $("answer").className = "answer " + kind;
    $("answer-title").textContent = title;
    $("answer-reason").textContent = reason || "";
  }

  function titleOf(result) {
    return { admitted: T.admitted, duplicate: T.duplicate, rejected: T.rejected }[result] || T.error;
  }

  function answer(data) {
    var number = data.ticket ? " · " + T.ticket + " " + data.ticket.number : "";
    show(data.result, titleOf(data.result), data.reason + number);
    beep(data.result === "admitted");
  }

  // Results of records sent later, which the volunteer did not see at the time.
  function notice(item, title, reason) {
    var list = read(NOTICES_KEY, []);
    list.unshift({ at: Date.now(), label: item.label || "", title: title, reason: reason || "" });
    write(NOTICES_KEY, list.slice(0, 30));
    renderNotices();
  }
  function renderNotices() {
    var list = read(NOTICES_KEY, []), box = $("notice-list");
    box.textContent = "";
    list.forEach(function (n) {
      var at = new Date(n.at), li = document.createElement("li");
      var time = ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2);
      li.textContent = T.notice_format.replace("{time}", time).replace("{label}", n.label)
        .replace("{title}", n.title).replace("{reason}", n.reason);
      box.appendChild(li);
    });
    $("notices").hidden = list.length === 0;
  }

  function refreshStats() {
    if (!token() || withdrawn || !me) { return; }
    call("GET", "/api/v1/stats", null, "total").then(function (outcome) {
      if (outcome.kind === "login") { loginWithdrawn(outcome.message); return; }
      if (outcome.kind !== "ok") { return; }
      var data = outcome.data;
      var gate = data.by_gate[$("gate").value] || { admitted: 0, walk_ins: 0 };
      $("count-gate").textContent = gate.admitted + gate.walk_ins;
      $("count-total").textContent = data.total;
      $("count-walkins").textContent = data.walk_ins;
    });
  }

  function showLogin(message) {
    $("app").hidden = true;
    $("login").hidden = false;
    var kept = queue().length;
    var note = (message || "") + (kept ? " " + T.kept_for_lead.replace("{n}", kept) : "");
    $("login-note").textContent = note.trim();
    $("login-note").hidden = !note.trim();
  }

  function showApp() {
    $("login").hidden = true;
    $("app").hidden = false;
    $("who").textContent = me.name + " · " + (me.role === "lead" ? T.lead : T.scanner);
    var saved = localStorage.getItem(GATE_KEY) || me.gate;
    if (saved) { $("gate").value = saved; }
    renderActions(me.actions || []);
    refreshStats();
    $("code").focus();
  }

  function start() {
    if (!token()) { showLogin(""); return; }
    call("GET", "/api/v1/me", null, "name").then(function (outcome) {
      if (outcome.kind === "ok") {
        me = outcome.data;
        write(ME_KEY, me);
        withdrawn = false;
        showApp();
        pump(true);
      } else if (outcome.kind === "login") {
        loginWithdrawn(outcome.message);
      } else if (read(ME_KEY, null)) {
        me = read(ME_KEY, null);  // carry on offline: records wait in the queue
        showApp();
        pump(true);
      } else {
        showLogin(T.offline_start);
        setTimeout(start, 5000);
      }
    });
  }

  function refreshMe() {
    call("GET", "/api/v1/me", null, "name").then(function (outcome) {
      if (outcome.kind !== "ok") { return; }
      me = outcome.data;
      write(ME_KEY, me);
      renderActions(me.actions || []);
    });
  }

  function renderActions(actions) {
    var box = $("actions");
    box.textContent = "";
    $("actions-title").hidden = actions.length === 0;
    actions.forEach(function (action) {
      var row = document.createElement("div");
      var labels = action.labels || {};
      var limits = action.limits || { count: [1, 100000], text: 500 };
      row.className = "action";
      var inputs = [];
      if (action.choices.length) {
        var select = document.createElement("select");
        select.name = "choice";
        action.choices.forEach(function (choice) {
          var option = document.createElement("option");
          option.value = choice[0]; option.textContent = choice[1];
          select.appendChild(option);
        });
        row.appendChild(select);
        inputs.push(select);
      }
      action.fields.forEach(function (field) {
        var input = document.createElement("input");
        input.type = "number"; input.inputMode = "numeric"; input.name = field;
        input.min = String(limits.count[0]); input.max = String(limits.count[1]);
        input.value = "1"; input.title = labels[field] || field;
        input.dataset.number = "1";
        row.appendChild(input);
        inputs.push(input);
      });
      action.text_fields.forEach(function (field) {
        var input = document.createElement("input");
        input.type = "text"; input.name = field; input.maxLength = limits.text;
        input.placeholder = labels[field] || field;
        row.appendChild(input);
        inputs.push(input);
      });
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = action.label;
      button.addEventListener("click", function () {
        var body = { gate: $("gate").value }, bad = false;
        inputs.forEach(function (input) {
          if (!input.dataset.number) { body[input.name] = input.value; return; }
          var value = input.value.trim();
          if (!/^[0-9]{1,9}$/.test(value)) { bad = true; return; }
          body[input.name] = parseInt(value, 10);
        });
        if (bad) { show("error", T.refused, T.bad_number); beep(false); return; }
        record("action", "/api/v1/actions/" + encodeURIComponent(action.id), "ok", body,
               action.label);
      });
      row.appendChild(button);
      box.appendChild(row);
    });
  }

  function submit(code) {
    code = (code || "").trim();
    if (!code) { return; }
    var label = /^[0-9]+$/.test(code) ? T.ticket + " " + code
      : code.length > 10 ? code.slice(0, 10) + "…" : code;
    record("checkin", "/api/v1/checkins", "result", { code: code, gate: $("gate").value }, label);
  }

  $("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    submit($("code").value);
    $("code").value = "";
    $("code").focus();
  });
  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = $("token").value.trim();
    if (!value) { return; }
    setToken(value);
    $("token").value = "";
    start();
  });
  $("logout").addEventListener("click", function () {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(ME_KEY);
    me = null;
    showLogin("");
  });
  $("gate").addEventListener("change", function () {
    localStorage.setItem(GATE_KEY, $("gate").value); refreshStats();
  });
  $("notices-clear").addEventListener("click", function () {
    write(NOTICES_KEY, []); renderNotices();
  });
  Array.prototype.forEach.call(document.querySelectorAll(".walkin"), function (button) {
    button.addEventListener("click", function () {
      record("headcount", "/api/v1/headcounts", "recorded",
             { gate: $("gate").value, audience: button.dataset.audience, delta: 1 },
             button.textContent.trim());
    });
  });
  window.addEventListener("online", function () { pump(true); });

  // Camera scanning where the browser has a barcode detector (and a secure context).
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    $("camera").hidden = false;
    $("camera").addEventListener("click", function () {
      var detector = new BarcodeDetector({ formats: ["qr_code"] });
      var video = $("video"), last = "", lastAt = 0;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream; video.hidden = false; video.play();
        setInterval(function () {
          detector.detect(video).then(function (codes) {
            if (!codes.length) { return; }
            var code = codes[0].rawValue, now = Date.now();
            if (code === last && now - lastAt < 3000) { return; }
            last = code; lastAt = now;
            submit(code);
          }, function () {});
        }, 300);
      }, function () { show("error", T.error, T.camera_failed); });
    });
  }

  renderQueue(queue());
  renderNotices();
  setInterval(refreshStats, 3000);
  start();
})();

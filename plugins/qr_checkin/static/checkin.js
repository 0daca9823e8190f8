// The volunteer page: scan or type a ticket, see the answer, count walk-ins.
// No framework and no network beyond this server: it must work on a plaza without internet.
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("strings").textContent);
  var TOKEN_KEY = "kexie-token", GATE_KEY = "kexie-gate", QUEUE_KEY = "kexie-queue";
  var $ = function (id) { return document.getElementById(id); };
  var me = null;

  // A login link carries the token in the fragment, which never reaches server logs.
  var match = location.hash.match(/login=([^&]+)/);
  if (match) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname);
  }

  function token() { return localStorage.getItem(TOKEN_KEY); }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      headers: { "Authorization": "Bearer " + token(), "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.status === 401) { showLogin(); }
        if (!response.ok && !("result" in data)) {
          var error = new Error(data.error || data.message || response.status);
          error.http = response.status;
          throw error;
        }
        return data;
      });
    });
  }

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
    var box = $("answer");
    box.className = "answer " + kind;
    $("answer-title").textContent = title;
    $("answer-reason").textContent = reason || "";
  }

  function answer(data) {
    var titles = { admitted: T.admitted, duplicate: T.duplicate, rejected: T.rejected };
    var number = data.ticket ? " · " + T.ticket + " " + data.ticket.number : "";
    show(data.result, titles[data.result], data.reason + number);
    beep(data.result === "admitted");
    refreshStats();
  }

  function queue() { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); }
  function saveQueue(items) {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
    $("queue").hidden = items.length === 0;
    $("queue").textContent = T.queued_count.replace("{n}", items.length);
  }

  function send(scan, fromQueue) {
    return api("POST", "/api/v1/checkins", scan).then(function (data) {
      if (!fromQueue) { answer(data); }
      return true;
    }, function (error) {
      if (error.http) {
        if (!fromQueue) { show("error", T.error, error.message); beep(false); }
        return true;  // the server answered: retrying will not help
      }
      if (!fromQueue) {
        saveQueue(queue().concat([scan]));
        show("queued", T.queued, T.queued_reason);
      }
      return false;
    });
  }

  function flushQueue() {
    var items = queue();
    if (!items.length) { return; }
    var scan = items[0];
    send(scan, true).then(function (done) {
      if (done) { saveQueue(queue().filter(function (s) { return s.scan_id !== scan.scan_id; })); flushQueue(); }
    });
  }

  function submit(code) {
    code = (code || "").trim();
    if (!code) { return; }
    var scan = { code: code, gate: $("gate").value, scan_id: newId() };
    send(scan, false);
  }

  function refreshStats() {
    if (!token()) { return; }
    api("GET", "/api/v1/stats").then(function (data) {
      var gate = data.by_gate[$("gate").value] || { admitted: 0, walk_ins: 0 };
      $("count-gate").textContent = gate.admitted + gate.walk_ins;
      $("count-total").textContent = data.total;
      $("count-walkins").textContent = data.walk_ins;
    }, function () {});
  }

  function showLogin() {
    $("app").hidden = true;
    $("login").hidden = false;
  }

  function start() {
    if (!token()) { showLogin(); return; }
    api("GET", "/api/v1/me").then(function (data) {
      me = data;
      $("login").hidden = true;
      $("app").hidden = false;
      $("who").textContent = data.name + " · " + (data.role === "lead" ? T.lead : T.scanner);
      var saved = localStorage.getItem(GATE_KEY) || data.gate;
      if (saved) { $("gate").value = saved; }
      renderActions(data.actions);
      refreshStats();
      $("code").focus();
    }, function () { showLogin(); });
  }

  function renderActions(actions) {
    var box = $("actions");
    box.innerHTML = "";
    $("actions-title").hidden = actions.length === 0;
    actions.forEach(function (action) {
      var row = document.createElement("div");
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
        input.type = "number"; input.min = "1"; input.value = "1"; input.name = field;
        input.dataset.number = "1";
        row.appendChild(input);
        inputs.push(input);
      });
      action.text_fields.forEach(function (field) {
        var input = document.createElement("input");
        input.type = "text"; input.name = field;
        input.placeholder = (action.labels || {})[field] || field;
        row.appendChild(input);
        inputs.push(input);
      });
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = action.label;
      button.addEventListener("click", function () {
        var body = { gate: $("gate").value };
        inputs.forEach(function (input) {
          body[input.name] = input.dataset.number ? parseInt(input.value, 10) : input.value;
        });
        api("POST", "/api/v1/actions/" + action.id, body).then(function (data) {
          show("admitted", T.done, data.message); beep(true); start();
        }, function (error) { show("error", T.refused, error.message); beep(false); });
      });
      row.appendChild(button);
      box.appendChild(row);
    });
  }

  $("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    submit($("code").value);
    $("code").value = "";
    $("code").focus();
  });
  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, $("token").value.trim());
    start();
  });
  $("logout").addEventListener("click", function () { localStorage.removeItem(TOKEN_KEY); showLogin(); });
  $("gate").addEventListener("change", function () {
    localStorage.setItem(GATE_KEY, $("gate").value); refreshStats();
  });
  Array.prototype.forEach.call(document.querySelectorAll(".walkin"), function (button) {
    button.addEventListener("click", function () {
      api("POST", "/api/v1/headcounts", {
        gate: $("gate").value, audience: button.dataset.audience, delta: 1, scan_id: newId()
      }).then(function () { refreshStats(); beep(true); },
              function (error) { show("error", T.error, error.message); });
    });
  });

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
      }, function (error) { show("error", T.error, T.camera_failed + " " + error.name); });
    });
  }

  saveQueue(queue());
  setInterval(flushQueue, 5000);
  setInterval(refreshStats, 3000);
  start();
})();

// The volunteer page: scan or type a ticket, see the answer, count people in and out, press
// buttons. No framework and no network beyond this server: it must work on a plaza without
// internet. Every tap answers in the same big box as a scan: colour, words, sound.
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
  var PAGE = JSON.parse($("page-data").textContent);
  var T = PAGE.t;
  // The server may serve several events (/e/{event}/): every address here is relative to the
  // page, and what the phone keeps is kept per event (an event served at / keeps the names it
  // always had, so an update in the middle of an event loses nothing).
  var SCOPE = location.pathname.replace(/[^\/]*$/, "");
  var SUFFIX = SCOPE === "/" ? "" : " " + SCOPE;
  var TOKEN_KEY = "kexie-token" + SUFFIX, GATE_KEY = "kexie-gate" + SUFFIX;
  var QUEUE_KEY = "kexie-queue" + SUFFIX, ME_KEY = "kexie-me" + SUFFIX;
  var NOTICES_KEY = "kexie-notices" + SUFFIX, MINE_KEY = "kexie-mine" + SUFFIX;
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

  // A login link carries the token in the fragment, which never reaches server logs. Opened
  // in a tab that already shows the page, only the fragment changes: log in then too.
  function loginFromLink() {
    var match = location.hash.match(/login=([^&]+)/);
    if (!match) { return false; }
    try { setToken(decodeURIComponent(match[1])); } catch (e) { /* a mangled link */ }
    history.replaceState(null, "", location.pathname);
    return true;
  }
  loginFromLink();
  window.addEventListener("hashchange", function () { if (loginFromLink()) { start(); } });

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
      return { id: item.scan_id, kind: "checkin", path: "api/v1/checkins", expect: "result",
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
    var id = newId();
    if (kind !== "undo") { body.scan_id = id; }  // an undo names the entry it takes back
    var item = { id: id, kind: kind, path: path, expect: expect, body: body,
                 by: me ? me.name : null, label: label, at: Date.now() };
    saveQueue(queue().concat([item]));
    current = item.id;
    show("pending", T.sending, label || "");
    pump(true);
    return item;
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
        else if (data.result !== "admitted" && data.result !== "out") {
          notice(item, titleOf(data.result), data.reason);
        }
      } else if (item.kind === "action") {
        if (live) { show("admitted", T.done, data.message); beep(true); }
        refreshMe();
      } else if (item.kind === "undo") {
        if (live) { show("admitted", T.undone, T.undone_reason.replace("{label}", item.label)); beep(true); }
      } else if (live) {
        show("admitted", T.done, item.label);
        beep(true);
      }
      refreshStats();
    } else if (outcome.kind === "invalid") {
      if (item.kind === "headcount") { forget(item.id); }
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
    return { admitted: T.admitted, duplicate: T.duplicate, rejected: T.rejected,
             out: T.out }[result] || T.error;
  }

  function answer(data) {
    var good = data.result === "admitted" || data.result === "out";
    var number = data.ticket ? T.ticket + " " + data.ticket.number : "";
    // The title already says what happened; the reason adds to it only when it is refused.
    var words = good ? [number] : [data.reason, number];
    show(good ? "admitted" : data.result, titleOf(data.result),
         words.filter(function (w) { return w; }).join(" · "));
    beep(good);
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
    call("GET", "api/v1/stats", null, "total").then(function (outcome) {
      if (outcome.kind === "login") { loginWithdrawn(outcome.message); return; }
      if (outcome.kind !== "ok") { return; }
      var data = outcome.data, place = here();
      var gate = data.by_gate[place.gate] || { admitted: 0, walk_ins: 0 };
      var out = (data.exits && data.exits.by_gate[place.gate]) || 0;
      $("count-gate").textContent = place.exit ? out : gate.admitted + gate.walk_ins;
      $("count-total").textContent = data.total;
      $("count-walkins").textContent = data.walk_ins;
      var site = data.inside && data.inside.by_site[place.site];
      if (site) {
        $("count-inside").textContent = site.inside;
        $("inside-label").textContent = site.capacity
          ? T.inside_of.replace("{capacity}", site.capacity) : T.inside;
        $("inside-box").className = "level-" + site.level;
        $("inside-box").title = site.level === "ok" ? "" : T["level_" + site.level];
      }
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
    if (me.role === "board") { location.replace("board"); return; }  // it may only look
    $("login").hidden = true;
    $("app").hidden = false;
    $("who").textContent = me.name + " · " + (me.role === "lead" ? T.lead : T.scanner);
    var saved = read(GATE_KEY, null);
    if (typeof saved === "string") { saved = { gate: saved }; }  // stored by an older page
    choose(saved && saved.gate ? saved : { gate: me.gate, site: me.site });
    renderActions(me.actions || []);
    refreshStats();
    $("code").focus();
  }

  // --- the gate: grouped by site; the same gate name may be used at two sites ---------------

  function here() {
    var option = $("gate").options[$("gate").selectedIndex];
    if (!option) { return { gate: "", site: "", exit: false }; }
    return { gate: option.dataset.gate, site: option.dataset.site, exit: !!option.dataset.exit };
  }
  function choose(place) {
    var options = $("gate").options;
    for (var i = 0; i < options.length; i++) {
      var o = options[i];
      if (o.dataset.gate === place.gate && (!place.site || o.dataset.site === place.site)) {
        $("gate").selectedIndex = i;
        break;
      }
    }
    placeChanged();
  }
  function placeChanged() {
    var place = here();
    $("walkins-section").hidden = place.exit;  // nobody comes in through an exit
    $("code").placeholder = place.exit ? T.exit_placeholder : T.code_placeholder;
  }
  function placeBody(extra) {
    var place = here(), body = { gate: place.gate, site: place.site };
    for (var key in extra) { body[key] = extra[key]; }
    return body;
  }

  function start() {
    if (!token()) { showLogin(""); return; }
    call("GET", "api/v1/me", null, "name").then(function (outcome) {
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
    call("GET", "api/v1/me", null, "name").then(function (outcome) {
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
        var body = placeBody({}), bad = false;
        inputs.forEach(function (input) {
          if (!input.dataset.number) { body[input.name] = input.value; return; }
          var value = input.value.trim();
          if (!/^[0-9]{1,9}$/.test(value)) { bad = true; return; }
          body[input.name] = parseInt(value, 10);
        });
        if (bad) { show("error", T.refused, T.bad_action_number); beep(false); return; }
        record("action", "api/v1/actions/" + encodeURIComponent(action.id), "ok", body,
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
    record("checkin", "api/v1/checkins", "result", placeBody({ code: code }), label);
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
    var place = here();
    write(GATE_KEY, { gate: place.gate, site: place.site });
    placeChanged();
    refreshStats();
  });
  $("notices-clear").addEventListener("click", function () {
    write(NOTICES_KEY, []); renderNotices();
  });
  // --- counting people in and out, and taking one's own counts back ----------------------------

  // How many one "+N" tap counts (a school class entering together); null when not a number.
  function many() {
    var value = $("many").value.trim();
    if (!/^[0-9]{1,3}$/.test(value)) { return null; }
    var n = parseInt(value, 10);
    return n >= 1 && n <= PAGE.limit ? n : null;
  }

  function count(direction, audience, n, who) {
    var label = direction === "in"
      ? T.counted_in.replace("{n}", n).replace("{who}", who)
      : T.counted_out.replace("{n}", n);
    var body = placeBody({ delta: n, direction: direction });
    if (audience) { body.audience = audience; }
    var item = record("headcount", "api/v1/headcounts", "recorded", body, label);
    var mineList = read(MINE_KEY, []);
    mineList.push({ id: item.id, label: label, by: item.by });
    write(MINE_KEY, mineList.slice(-50));
  }
  function forget(id) {
    write(MINE_KEY, read(MINE_KEY, []).filter(function (c) { return c.id !== id; }));
  }

  function tap(selector, direction, multiple) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (button) {
      button.addEventListener("click", function () {
        var n = multiple ? many() : 1;
        if (n === null) {
          show("error", T.refused, T.bad_number); beep(false); $("many").focus(); return;
        }
        count(direction, button.dataset.audience, n, button.dataset.label);
      });
    });
  }
  tap(".walkin", "in", false);
  tap(".walkin-many", "in", true);
  tap(".exit", "out", false);
  tap(".exit-many", "out", true);

  // Undo takes back this volunteer's latest count from this phone, then the one before...
  $("undo").addEventListener("click", function () {
    var mineList = read(MINE_KEY, []), last = null;
    for (var i = mineList.length - 1; i >= 0; i--) {
      if (me && mineList[i].by === me.name) { last = mineList[i]; break; }
    }
    if (!last) { show("idle", T.undo_none, ""); beep(false); return; }
    forget(last.id);
    record("undo", "api/v1/undo", "undone", { scan_id: last.id }, last.label);
  });
  window.addEventListener("online", function () { pump(true); });

  // --- camera scanning ------------------------------------------------------------------------
  // The browser's BarcodeDetector where it has one that reads QR codes (Chrome on Android);
  // everywhere else (iOS Safari, WeChat, QQ, Firefox) jsQR, shipped with this page in
  // static/vendor/ and loaded only then. Browsers give the camera only to https pages (and to
  // localhost): over plain http the button says how to get https instead of failing.
  var camera = null;  // { stream, timer } while the camera runs

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(); return; }
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("script")); };
      document.head.appendChild(script);
    });
  }

  // A function video -> Promise of the text of a QR code in the frame, or null.
  function reader() {
    var native = window.BarcodeDetector && BarcodeDetector.getSupportedFormats
      ? BarcodeDetector.getSupportedFormats().then(function (formats) {
          return formats.indexOf("qr_code") >= 0;
        }, function () { return false; })
      : Promise.resolve(false);
    return native.then(function (ok) {
      if (ok) {
        var detector = new BarcodeDetector({ formats: ["qr_code"] });
        return function (video) {
          return detector.detect(video).then(function (codes) {
            return codes.length ? codes[0].rawValue : null;
          });
        };
      }
      return loadScript("static/qr-checkin/vendor/jsQR.js").then(function () {
        var canvas = $("frame"), context = canvas.getContext("2d", { willReadFrequently: true });
        return function (video) {
          var width = video.videoWidth, height = video.videoHeight;
          if (!width || !height) { return Promise.resolve(null); }
          var scale = Math.min(1, 800 / Math.max(width, height));  // fast enough on old phones
          canvas.width = Math.round(width * scale); canvas.height = Math.round(height * scale);
          context.drawImage(video, 0, 0, canvas.width, canvas.height);
          var image = context.getImageData(0, 0, canvas.width, canvas.height);
          var found = window.jsQR(image.data, canvas.width, canvas.height,
                                  { inversionAttempts: "dontInvert" });
          return Promise.resolve(found && found.data ? found.data : null);
        };
      });
    });
  }

  function stopCamera() {
    if (!camera) { return; }
    clearInterval(camera.timer);
    camera.stream.getTracks().forEach(function (track) { track.stop(); });
    camera = null;
    $("camera-box").hidden = true;
    $("camera").textContent = T.camera;
  }

  function startCamera() {
    if (window.isSecureContext === false || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) {
      show("error", T.error, T.camera_needs_https); beep(false); return;
    }
    show("pending", T.camera_loading, "");
    var video = $("video"), last = "", lastAt = 0, busy = false, opened = null;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        opened = stream;
        return reader().then(function (read) {
          camera = { stream: stream, timer: null };
          video.srcObject = stream;
          $("camera-box").hidden = false;
          $("camera").textContent = T.camera_stop;
          video.play();
          show("idle", T.ready, "");
          camera.timer = setInterval(function () {
            if (busy || video.readyState < 2) { return; }
            busy = true;
            read(video).then(function (code) {
              busy = false;
              if (!code) { return; }
              var now = Date.now();
              if (code === last && now - lastAt < 3000) { return; }  // the same ticket held still
              last = code; lastAt = now;
              submit(code);
            }, function () { busy = false; });
          }, 250);
        });
      })
      .catch(function () {
        if (camera) { stopCamera(); }
        else if (opened) { opened.getTracks().forEach(function (track) { track.stop(); }); }
        show("error", T.error, T.camera_failed); beep(false);
      });
  }

  $("camera").addEventListener("click", function () {
    if (camera) { stopCamera(); } else { startCamera(); }
  });

  renderQueue(queue());
  renderNotices();
  setInterval(refreshStats, 3000);
  start();
})();

/* The public sign-up pages: the form (with its proof of work) and the person's own page.
 *
 * Written as plain ES5 with XMLHttpRequest, because the built-in browsers of WeChat and QQ on
 * old phones are old; no framework, nothing from another server. The proof of work needs
 * SHA-256, and crypto.subtle is missing over plain http in those browsers, so it is here. */
(function () {
  "use strict";

  // Where the sign-up is served: /r/, or /e/{event}/r/ when the server serves several events.
  var BASE = document.documentElement.getAttribute("data-base") || "/r/";

  // --- SHA-256 of an ASCII string, as eight 32-bit words -----------------------------------
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];

  function ror(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  function sha256(text) {
    var length = text.length;
    var blocks = ((length + 8) >> 6) + 1;
    var words = [];
    var i;
    for (i = 0; i < blocks * 16; i++) words[i] = 0;
    for (i = 0; i < length; i++) words[i >> 2] |= (text.charCodeAt(i) & 0xff) << (24 - (i % 4) * 8);
    words[length >> 2] |= 0x80 << (24 - (length % 4) * 8);
    words[blocks * 16 - 1] = length * 8;
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19];
    var m = [];
    for (var block = 0; block < blocks; block++) {
      for (i = 0; i < 16; i++) m[i] = words[block * 16 + i];
      for (i = 16; i < 64; i++) {
        var x = m[i - 15];
        var y = m[i - 2];
        var s0 = ror(x, 7) ^ ror(x, 18) ^ (x >>> 3);
        var s1 = ror(y, 17) ^ ror(y, 19) ^ (y >>> 10);
        m[i] = (m[i - 16] + s0 + m[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + m[i]) | 0;
        var t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    return h;
  }

  function zeroBits(words) {
    var count = 0;
    for (var i = 0; i < words.length; i++) {
      var word = words[i] >>> 0;
      if (word === 0) {
        count += 32;
        continue;
      }
      while (!(word & 0x80000000)) {
        count += 1;
        word = (word << 1) >>> 0;
      }
      return count;
    }
    return count;
  }

  // Works in slices so the page stays responsive on a slow phone.
  function solve(token, bits, done) {
    var answer = 0;
    function slice() {
      var end = answer + 1500;
      for (; answer < end; answer++) {
        if (zeroBits(sha256(token + ":" + answer)) >= bits) {
          done(String(answer));
          return;
        }
      }
      setTimeout(slice, 0);
    }
    slice();
  }

  // --- HTTP ----------------------------------------------------------------------------------
  function request(method, url, body, callback) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.timeout = 30000;
    xhr.onload = function () {
      var data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch (ignored) {
        data = null;
      }
      callback(xhr.status, data);
    };
    xhr.onerror = xhr.ontimeout = function () {
      callback(0, null);
    };
    if (body !== null) xhr.setRequestHeader("Content-Type", "application/json");
    xhr.send(body === null ? null : JSON.stringify(body));
  }

  function problemText(node, status, data) {
    if (status === 0) return node.getAttribute("data-network");
    if (status === 429 && data) {
      return (node.getAttribute("data-too-many") || data.error).replace("{n}", data.retry_after);
    }
    if (data && data.error) return data.error;
    return node.getAttribute("data-server") || String(status);
  }

  // --- the sign-up form ------------------------------------------------------------------------
  function signupForm(form) {
    var button = document.getElementById("submit");
    var errorBox = document.getElementById("error");
    var label = button.textContent;
    var proof = null;
    var failure = null;
    var waiting = [];

    function settle() {
      var callbacks = waiting;
      waiting = [];
      for (var i = 0; i < callbacks.length; i++) callbacks[i]();
    }

    function prepare() {
      proof = null;
      failure = null;
      request("GET", BASE + "api/v1/challenge", null, function (status, data) {
        if (status !== 200 || !data || !data.token) {
          failure = { status: status, data: data };
          settle();
          return;
        }
        solve(data.token, data.bits, function (answer) {
          proof = { token: data.token, answer: answer };
          settle();
        });
      });
    }

    function withProof(callback) {
      if (proof || failure) callback();
      else waiting.push(callback);
    }

    function collect() {
      var body = {};
      var answers = {};
      var asked = false;
      for (var i = 0; i < form.elements.length; i++) {
        var field = form.elements[i];
        if (!field.name || field.disabled || field.type === "submit") continue;
        if (field.type === "radio" && !field.checked) continue;
        var value = String(field.value).replace(/^\s+|\s+$/g, "");
        if (field.name.indexOf("answers.") === 0) {
          asked = true;
          if (value !== "") answers[field.name.slice(8)] = value;
        } else if (field.name === "party") {
          body.party = parseInt(value, 10);
        } else if (value !== "") {
          body[field.name] = value;
        }
      }
      if (asked) body.answers = answers;
      return body;
    }

    function clearMarks() {
      var marked = form.querySelectorAll("[aria-invalid]");
      for (var i = 0; i < marked.length; i++) marked[i].removeAttribute("aria-invalid");
      errorBox.hidden = true;
    }

    function mark(name) {
      var field = form.querySelector('[name="' + name + '"]');
      if (!field) return;
      var target = field.type === "radio" ? field.parentNode.parentNode : field;
      target.setAttribute("aria-invalid", "true");
      if (field.focus) field.focus();
    }

    function finish(status, data) {
      errorBox.textContent = problemText(form, status, data);
      errorBox.hidden = false;
      if (data && data.field) mark(data.field);
      button.disabled = false;
      button.textContent = label;
    }

    function send(body, retry) {
      withProof(function () {
        if (!proof) {
          var problem = failure;
          prepare();
          finish(problem.status, problem.data);
          return;
        }
        body.challenge = proof;
        proof = null;
        button.textContent = form.getAttribute("data-sending");
        request("POST", BASE + "api/v1/registrations", body, function (status, data) {
          if (status === 201 && data && data.manage_url) {
            window.location.href = data.manage_url;
            return;
          }
          prepare(); // every try uses up its token
          if (status === 400 && data && data.field === "challenge" && retry) {
            send(body, false);
            return;
          }
          finish(status, data);
        });
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) return;
      clearMarks();
      button.disabled = true;
      button.textContent = form.getAttribute(proof ? "data-sending" : "data-preparing");
      send(collect(), true);
    });
    prepare();
  }

  // --- the person's own page -------------------------------------------------------------------
  function wrap(context, text, width) {
    var lines = [];
    var line = "";
    for (var i = 0; i < text.length; i++) {
      var next = line + text.charAt(i);
      if (context.measureText(next).width > width && line) {
        var space = line.lastIndexOf(" ");
        if (space > 0 && text.charAt(i) !== " ") {
          lines.push(line.slice(0, space));
          line = line.slice(space + 1) + text.charAt(i);
        } else {
          lines.push(line);
          line = text.charAt(i) === " " ? "" : text.charAt(i);
        }
      } else {
        line = next;
      }
    }
    if (line) lines.push(line);
    return lines;
  }

  var FONT = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function ticketImage(info, ticket) {
    var side = parseInt(ticket.getAttribute("data-side"), 10);
    var modules = ticket.getAttribute("data-modules");
    var width = 640;
    var scale = Math.floor(480 / (side + 8));
    var qrSize = scale * (side + 8);
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d");
    context.font = "bold 30px " + FONT;
    var title = wrap(context, info.getAttribute("data-title"), width - 64);
    context.font = "24px " + FONT;
    var details = wrap(context, info.getAttribute("data-when"), width - 64).concat(
      wrap(context, info.getAttribute("data-place"), width - 64)
    );
    canvas.width = width;
    canvas.height = 48 + title.length * 40 + 16 + qrSize + 70 + details.length * 34 + 40;
    context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = "#000";
    context.textAlign = "center";
    context.textBaseline = "top";
    var y = 40;
    context.font = "bold 30px " + FONT;
    for (var i = 0; i < title.length; i++, y += 40) context.fillText(title[i], width / 2, y);
    y += 16;
    var left = (width - qrSize) / 2 + 4 * scale;
    var top = y + 4 * scale;
    for (var row = 0; row < side; row++) {
      for (var column = 0; column < side; column++) {
        if (modules.charAt(row * side + column) === "1") {
          context.fillRect(left + column * scale, top + row * scale, scale, scale);
        }
      }
    }
    y += qrSize + 12;
    context.font = "bold 40px " + FONT;
    context.fillText(info.getAttribute("data-number-label") + " " + ticket.getAttribute("data-number"), width / 2, y);
    y += 58;
    context.font = "24px " + FONT;
    for (i = 0; i < details.length; i++, y += 34) context.fillText(details[i], width / 2, y);
    return canvas.toDataURL("image/png");
  }

  function savePictures(button) {
    var info = document.getElementById("tickets");
    var images = document.getElementById("images");
    var tickets = info.querySelectorAll(".ticket");
    images.innerHTML = "";
    for (var i = 0; i < tickets.length; i++) {
      var url = ticketImage(info, tickets[i]);
      var link = document.createElement("a");
      link.href = url;
      link.setAttribute("download", "ticket-" + tickets[i].getAttribute("data-number") + ".png");
      var image = document.createElement("img");
      image.src = url;
      image.alt = info.getAttribute("data-number-label") + " " + tickets[i].getAttribute("data-number");
      link.appendChild(image);
      images.appendChild(link);
    }
    document.getElementById("save-help").hidden = false;
    button.hidden = true;
  }

  function cancelButton(button) {
    var errorBox = document.getElementById("error");
    button.addEventListener("click", function () {
      if (!window.confirm(button.getAttribute("data-confirm"))) return;
      button.disabled = true;
      request("POST", button.getAttribute("data-url"), {}, function (status, data) {
        if (status === 200) {
          window.location.reload();
          return;
        }
        button.disabled = false;
        errorBox.textContent = problemText(button, status, data);
        errorBox.hidden = false;
      });
    });
  }

  var form = document.getElementById("signup");
  if (form) signupForm(form);
  var save = document.getElementById("save");
  if (save) {
    save.addEventListener("click", function () {
      savePictures(save);
    });
  }
  var cancel = document.getElementById("cancel");
  if (cancel) cancelButton(cancel);
})();

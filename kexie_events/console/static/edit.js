// The event file's text editor: line numbers that follow the text, and links to a line
// ("line 12" beside a problem, or #line-12 in the address) that select that line. The page
// works without it: the form saves and lists its problems by line either way.
(function () {
  "use strict";
  var text = document.getElementById("text");
  if (!text) return;
  var gutter = document.querySelector(".gutter");

  function numbers() {
    if (!gutter) return;
    var count = text.value.split("\n").length;
    if (gutter.childElementCount === count) return;
    var html = "";
    for (var n = 1; n <= count; n++) html += '<span id="line-' + n + '">' + n + "</span>";
    gutter.innerHTML = html;
    gutter.scrollTop = text.scrollTop;
  }

  function go(line) {
    var lines = text.value.split("\n");
    line = Math.max(1, Math.min(line, lines.length));
    var start = 0;
    for (var n = 0; n < line - 1; n++) start += lines[n].length + 1;
    text.focus();
    text.setSelectionRange(start, start + lines[line - 1].length);
    var height = parseFloat(getComputedStyle(text).lineHeight) || 21;
    text.scrollTop = Math.max(0, (line - 4) * height);
  }

  function fromHash() {
    var found = /^#line-(\d+)$/.exec(location.hash);
    if (found) go(parseInt(found[1], 10));
  }

  text.addEventListener("input", numbers);
  text.addEventListener("scroll", function () {
    if (gutter) gutter.scrollTop = text.scrollTop;
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-line]");
    if (!link) return;
    event.preventDefault();
    history.replaceState(null, "", "#line-" + link.dataset.line);
    go(parseInt(link.dataset.line, 10));
  });
  window.addEventListener("hashchange", fromHash);
  numbers();
  fromHash();
})();

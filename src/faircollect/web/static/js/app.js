/* faircollect staff pages: small progressive enhancements (every page works without this).
   - the outcome form shows only the fields the chosen outcome uses;
   - a page reached with #attempt focuses the attempt's result (screen readers hear it);
   - SLA clocks ([data-due]) count down live. */
(function () {
  "use strict";

  function outcomeForm() {
    var form = document.getElementById("outcome-form");
    if (!form) { return; }
    var select = form.querySelector("select[name=outcome]");
    var sets = form.querySelectorAll("fieldset[data-for]");
    function update() {
      var v = select.value;
      sets.forEach(function (fs) {
        var wanted = fs.getAttribute("data-for").split(" ");
        fs.hidden = wanted.indexOf(v) < 0;
      });
    }
    select.addEventListener("change", update);
    update();
  }

  function focusAttempt() {
    if (window.location.hash !== "#attempt") { return; }
    var el = document.getElementById("attempt");
    if (el) { el.focus(); }
  }

  function slaClocks() {
    var clocks = document.querySelectorAll("[data-due]");
    if (!clocks.length) { return; }
    var words = document.documentElement.lang === "zh-CN"
      ? { d: "天", h: "小时", m: "分钟", left: "剩余 ", over: "已超时 " }
      : { d: " d ", h: " h ", m: " min", left: "", over: "overdue by " };
    function fmt(ms) {
      var s = Math.abs(Math.floor(ms / 1000));
      var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
      if (d) { return d + words.d + h + words.h; }
      if (h) { return h + words.h + m + words.m; }
      return m + words.m;
    }
    // the server's "now" (it may be frozen for a demo): count from it, not the browser clock
    var root = document.querySelector("[data-server-now]");
    var offset = root ? Date.parse(root.getAttribute("data-server-now")) - Date.now() : 0;
    if (isNaN(offset)) { offset = 0; }
    function tick() {
      var now = Date.now() + offset;
      clocks.forEach(function (el) {
        var due = Date.parse(el.getAttribute("data-due"));
        if (isNaN(due)) { return; }
        var left = due - now;
        el.textContent = left >= 0 ? words.left + fmt(left) : words.over + fmt(left);
        el.classList.toggle("overdue", left < 0);
        el.classList.toggle("soon", left >= 0 && left < 2 * 86400000);
      });
    }
    tick();
    window.setInterval(tick, 30000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    outcomeForm();
    focusAttempt();
    slaClocks();
  });
})();

/* Draw the Plotly figures embedded in the page: every <div data-figure="ID"> gets the figure
   of <script type="application/json" id="ID"> ({"data": [...], "layout": {...}}). The
   tables next to the charts carry the same numbers for readers without JavaScript. */
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-figure"));
      if (!src) { return; }
      var fig;
      try { fig = JSON.parse(src.textContent); } catch (e) { return; }
      if (!fig.data || !fig.data.length) { el.classList.add("empty"); return; }
      el.textContent = "";
      window.Plotly.newPlot(el, fig.data, fig.layout, {
        responsive: true, displaylogo: false
      }).then(function () { el.setAttribute("data-drawn", "1"); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();

// Live countdowns: every <time class="countdown" datetime="..."> inside an element carrying the
// server's clock (data-now) counts down once a second. The server's "now" is used rather than the
// browser's clock, so a skewed laptop clock (or a test's fake clock) shows what the server sees.
(function () {
  "use strict";

  function duration(seconds) {
    var s = Math.floor(Math.abs(seconds));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), r = s % 60;
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + m + "m";
    if (m) return m + "m " + r + "s";
    return r + "s";
  }

  function offsetOf(el) {
    var holder = el.closest("[data-now]");
    if (!holder) return 0;
    if (holder.dataset.offset === undefined) {
      holder.dataset.offset = String(Date.parse(holder.dataset.now) - Date.now());
    }
    return Number(holder.dataset.offset);
  }

  function tick() {
    var clocks = document.querySelectorAll("time.countdown");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var offset = offsetOf(el); // first: it may read the browser's clock itself
      var left = (Date.parse(el.getAttribute("datetime")) - (Date.now() + offset)) / 1000;
      el.textContent = left <= 0 ? "overdue " + duration(-left) : duration(left) + " left";
      el.classList.toggle("overdue", left <= 0);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
  });
})();

// The metrics page's charts (Chart.js, vendored): drawn from the JSON the page carries; the table
// below them holds the same figures for anyone who cannot see the charts.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("metrics-data");
    if (!source || typeof Chart === "undefined") return;
    var d = JSON.parse(source.textContent);
    var percent = { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } };
    new Chart(document.getElementById("chart-within"), {
      type: "bar",
      data: {
        labels: d.values,
        datasets: [
          { label: "first response within target", data: d.first_response_within, backgroundColor: "#0a58ca" },
          { label: "resolution within target", data: d.resolution_within, backgroundColor: "#1a7f37" }
        ]
      },
      options: { animation: false, scales: { y: percent } }
    });
    new Chart(document.getElementById("chart-daily"), {
      data: {
        labels: d.days,
        datasets: [
          { type: "bar", label: "closed", data: d.closed, backgroundColor: "#8c959f", yAxisID: "count" },
          { type: "line", label: "resolution within target", data: d.daily_resolution_within,
            borderColor: "#1a7f37", spanGaps: true, yAxisID: "share" }
        ]
      },
      options: {
        animation: false,
        scales: { count: { position: "left", beginAtZero: true }, share: Object.assign({ position: "right" }, percent) }
      }
    });
  });
})();

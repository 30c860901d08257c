// Analytics dashboard: two charts drawn with the vendored Chart.js from the JSON the server
// embedded in <script type="application/json" id="chart-data">. Every figure is also in a table.
(function () {
  "use strict";

  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data;
  try {
    data = JSON.parse(source.textContent);
  } catch (error) {
    return;
  }

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: reduceMotion ? false : { duration: 400 },
  };

  function merge(base, extra) {
    var out = {};
    Object.keys(base).forEach(function (key) { out[key] = base[key]; });
    Object.keys(extra).forEach(function (key) { out[key] = extra[key]; });
    return out;
  }

  var volumeCanvas = document.getElementById("volume-chart");
  if (volumeCanvas && data.volume) {
    new window.Chart(volumeCanvas, {
      type: "line",
      data: {
        labels: data.volume.labels,
        datasets: [{
          label: data.volume.label,
          data: data.volume.values,
          borderColor: "#1f6feb",
          backgroundColor: "rgba(31, 111, 235, 0.12)",
          fill: true,
          tension: 0.25,
          pointRadius: data.volume.values.length > 60 ? 0 : 2,
        }],
      },
      options: merge(common, {
        plugins: { legend: { display: false } },
        scales: {
          x: { ticks: { maxTicksLimit: 10, autoSkip: true } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
      }),
    });
  }

  var selfCanvas = document.getElementById("self-service-chart");
  if (selfCanvas && data.selfService) {
    new window.Chart(selfCanvas, {
      type: "doughnut",
      data: {
        labels: data.selfService.labels,
        datasets: [{
          data: data.selfService.values,
          backgroundColor: ["#067647", "#5fb38a", "#d0d7de"],
          borderWidth: 1,
        }],
      },
      options: merge(common, { plugins: { legend: { position: "bottom" } } }),
    });
  }
})();

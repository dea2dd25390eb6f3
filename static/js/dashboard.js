/*
 * Draws the dashboard's charts from the JSON that the page carries in
 * <script type="application/json" id="dashboard-charts"> (Django's json_script): no inline script,
 * for the Content-Security-Policy. Each chart has a table with the same numbers right below it, so the
 * page says everything without JavaScript or without sight.
 */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#0d6efd", "#198754", "#dc3545", "#6f42c1"];

  function draw(canvasId, type, chart) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || !chart || chart.labels.length === 0) {
      return;
    }
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (dataset, i) {
          return {
            label: dataset.label,
            data: dataset.data,
            borderColor: colours[i % colours.length],
            backgroundColor: colours[i % colours.length],
          };
        }),
      },
      options: {
        responsive: true,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  draw("chart-trend", "line", data.trend);
  draw("chart-languages", "bar", data.languages);
})();

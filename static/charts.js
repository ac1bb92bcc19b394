// Charts from data: <canvas data-chart='{"type": "line", "labels": [...], "datasets": [...]}'>.
// Pages describe the figures as JSON (built server-side with |tojson); this file is the only
// place that talks to Chart.js, so every chart in Rapport looks and prints the same way.
(function () {
  const palette = ["#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#57606a"];

  function build(canvas) {
    if (canvas.rapportChart || typeof Chart === "undefined") return;
    const spec = JSON.parse(canvas.dataset.chart);
    const datasets = spec.datasets.map((set, index) => ({
      borderColor: palette[index % palette.length],
      backgroundColor: palette[index % palette.length] + (spec.type === "line" ? "33" : "cc"),
      borderWidth: 2,
      pointRadius: 0,
      tension: 0.2,
      ...set,
    }));
    canvas.rapportChart = new Chart(canvas, {
      type: spec.type || "line",
      data: { labels: spec.labels, datasets },
      options: {
        animation: false, // charts are read, and printed, at once
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: spec.type === "doughnut" || spec.type === "pie" ? {} : {
          y: { beginAtZero: true, stacked: !!spec.stacked },
          x: { stacked: !!spec.stacked, ticks: { maxTicksLimit: 12 } },
        },
        ...(spec.options || {}),
      },
    });
  }

  function buildAll(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(build);
  }

  document.addEventListener("DOMContentLoaded", () => buildAll(document));
  document.addEventListener("htmx:load", (event) => buildAll(event.target));
  // Printing changes the page width; redraw so charts fit the paper.
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      if (canvas.rapportChart) canvas.rapportChart.resize();
    });
  });
})();

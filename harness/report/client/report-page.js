// @ts-check
// report.html's script, inlined into the page by html-reporter.ts: draws its charts from #report-data and filters its raw log.

/**
 * @typedef {import("./report-page-data.ts").ReportPageData} ReportPageData
 * @typedef {Window & { Chart: typeof import("chart.js").Chart, "chartjs-plugin-annotation"?: import("chartjs-plugin-annotation").default }} ChartWindow
 */

(() => {
  const { Chart, "chartjs-plugin-annotation": annotationPlugin } = /** @type {ChartWindow} */ (/** @type {unknown} */ (window));
  /** @type {ReportPageData} */
  const data = JSON.parse(byId("report-data").textContent ?? "null");
  if (annotationPlugin) Chart.register(annotationPlugin);
  const colours = data.severityColours;

  // The annotation plugin's option types do not resolve under NodeNext (its .d.ts re-exports without extensions): unchecked.
  /** @type {Record<string, object>} */
  const faultLines = {};
  data.faults.forEach((f, i) => {
    faultLines[`fault${i}`] = {
      type: "line",
      xMin: f.at,
      xMax: f.at,
      borderColor: "#8250df",
      borderWidth: 2,
      borderDash: [6, 4],
      label: { display: true, content: f.label, position: "start", backgroundColor: "#8250df", font: { size: 11 } },
    };
  });

  /** @param {"requests" | "errors" | "p50" | "p99"} field */
  const timelineOf = (field) => data.timeline.map((p) => ({ x: p.second, y: p[field] }));
  new Chart(canvas("timeline-chart"), {
    type: "line",
    data: {
      datasets: [
        { label: "requests/s", data: timelineOf("requests"), borderColor: "#0969da", yAxisID: "y" },
        { label: "errors/s", data: timelineOf("errors"), borderColor: "#cf222e", yAxisID: "y" },
        { label: "p50 ms", data: timelineOf("p50"), borderColor: "#57ab5a", yAxisID: "ms" },
        { label: "p99 ms", data: timelineOf("p99"), borderColor: "#bf8700", yAxisID: "ms" },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      scales: {
        x: { type: "linear", title: { display: true, text: "s" } },
        y: { beginAtZero: true, title: { display: true, text: "per second" } },
        ms: { position: "right", beginAtZero: true, title: { display: true, text: "ms" }, grid: { drawOnChartArea: false } },
      },
      plugins: { annotation: { annotations: faultLines } },
    },
  });

  if (data.replicas) {
    const palette = ["#0969da", "#8250df", "#1b7c83", "#bf3989", "#953800", "#4d2d00", "#116329", "#6e7781"];
    /** @type {Array<"end" | "center" | "start">} */
    const labelPositions = ["end", "center", "start"];
    /** @type {Record<string, object>} */
    const stepLines = {};
    data.replicas.steps.forEach((s, i) => {
      stepLines[`step${i}`] = {
        type: "line",
        xMin: s.at,
        xMax: s.at,
        borderColor: s.colour,
        borderWidth: 1.5,
        borderDash: [4, 3],
        label: {
          display: true,
          content: s.labels,
          position: labelPositions[i % labelPositions.length],
          backgroundColor: s.colour,
          font: { size: 10 },
          padding: 3,
        },
      };
    });
    // Each second's requests stacked by replica (a step covers its second); the lost ones on their own, in red.
    /** @type {import("chart.js").ChartDataset<"line", Array<{ x: number, y: number }>>[]} */
    const series = data.replicas.servers.map((s, i) => {
      const colour = palette[i % palette.length];
      return {
        label: s.name,
        data: s.points,
        stack: "answered",
        fill: i ? "-1" : "origin",
        borderColor: colour,
        backgroundColor: `${colour}55`,
        pointRadius: 0,
        borderWidth: 1.5,
        stepped: true,
      };
    });
    series.push({
      label: "lost",
      data: data.replicas.lost,
      stack: "lost",
      fill: false,
      order: -1,
      borderColor: "#cf222e",
      backgroundColor: "#cf222e",
      pointRadius: (c) => {
        const point = /** @type {{ y: number } | undefined} */ (c.raw);
        return point && point.y > 0 ? 3 : 0;
      },
      borderWidth: 2,
      stepped: true,
    });
    new Chart(canvas("replica-chart"), {
      type: "line",
      data: { datasets: series },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: { type: "linear", title: { display: true, text: "s since the load started" } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: "requests per second" } },
        },
        plugins: {
          annotation: { annotations: stepLines },
          legend: { labels: { sort: (a, b) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0) } },
        },
      },
    });
  }

  const lines = data.lifelines;
  new Chart(canvas("lifeline-chart"), {
    type: "bar",
    data: {
      labels: lines.map((l) => l.label),
      datasets: [
        {
          label: "alive",
          data: lines.map((l) => [l.from, l.to]),
          backgroundColor: lines.map((l) => (l.severity ? colours[l.severity] : "#8c959f")),
          borderSkipped: false,
          barPercentage: 0.7,
        },
      ],
    },
    options: {
      indexAxis: "y",
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { type: "linear", title: { display: true, text: "s since the load started" } } },
      plugins: {
        legend: { display: false },
        annotation: { annotations: faultLines },
        tooltip: {
          callbacks: {
            label: (c) => {
              const l = lines[c.dataIndex];
              if (!l) return "";
              return `${l.label}: ${l.cause ? `${l.cause} (${l.severity})` : "alive at the end"}`;
            },
          },
        },
      },
    },
    plugins: [
      {
        id: "causes",
        afterDatasetsDraw: (chart) => {
          const ctx = chart.ctx;
          ctx.save();
          ctx.font = "12px system-ui, sans-serif";
          ctx.fillStyle = "#1f2328";
          ctx.textBaseline = "middle";
          chart.getDatasetMeta(0).data.forEach((bar, i) => {
            const cause = lines[i]?.cause;
            if (cause) ctx.fillText(cause, bar.x + 6, bar.y);
          });
          ctx.restore();
        },
      },
    ],
  });

  const filter = /** @type {HTMLInputElement} */ (byId("log-filter"));
  /** @type {HTMLElement[]} */
  const spans = Array.from(document.querySelectorAll("#log-lines [data-line]"));
  filter.addEventListener("input", () => {
    const q = filter.value.toLowerCase();
    for (const s of spans) s.style.display = !q || (s.textContent ?? "").toLowerCase().includes(q) ? "" : "none";
  });

  /** @param {string} id */
  function byId(id) {
    const element = document.getElementById(id);
    if (!element) throw new Error(`report.html has no #${id}`);
    return element;
  }

  /** @param {string} id */
  function canvas(id) {
    return /** @type {HTMLCanvasElement} */ (byId(id));
  }
})();

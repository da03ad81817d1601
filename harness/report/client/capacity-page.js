// @ts-check
// The capacity report.html's script, inlined into the page by capacity-report-html.ts: draws p99 against offered rate
// from #capacity-data, one line per configuration, with the SLO's limit and each configuration's knee.

/**
 * @typedef {import("./capacity-page-data.ts").CapacityPageData} CapacityPageData
 * @typedef {Window & { Chart: typeof import("chart.js").Chart, "chartjs-plugin-annotation"?: import("chartjs-plugin-annotation").default }} ChartWindow
 */

(() => {
  const { Chart, "chartjs-plugin-annotation": annotationPlugin } = /** @type {ChartWindow} */ (/** @type {unknown} */ (window));
  /** @type {CapacityPageData} */
  const data = JSON.parse(byId("capacity-data").textContent ?? "null");
  if (annotationPlugin) Chart.register(annotationPlugin);
  const palette = ["#0969da", "#bf8700", "#8250df", "#1a7f37", "#cf222e", "#1b7c83", "#bc4c00", "#6e7781"];
  const colour = (/** @type {number} */ i) => palette[i % palette.length];

  // The annotation plugin's option types do not resolve under NodeNext (its .d.ts re-exports without extensions): unchecked.
  /** @type {Record<string, object>} */
  const annotations = {};
  if (data.p99Limit !== null) {
    annotations.slo = {
      type: "line",
      yMin: data.p99Limit,
      yMax: data.p99Limit,
      borderColor: "#cf222e",
      borderWidth: 2,
      borderDash: [6, 4],
      label: {
        display: true,
        content: `SLO p99 \u2264 ${data.p99Limit} ms`,
        position: "start",
        backgroundColor: "#cf222e",
        font: { size: 11 },
      },
    };
  }
  data.lines.forEach((line, i) => {
    if (line.capacityRps > 0) {
      annotations[`knee${i}`] = {
        type: "line",
        xMin: line.capacityRps,
        xMax: line.capacityRps,
        borderColor: colour(i),
        borderWidth: 2,
        borderDash: [2, 3],
        label: {
          display: true,
          content: `${line.label}: ${line.capacityRps} req/s`,
          position: i % 2 ? "end" : "start",
          backgroundColor: colour(i),
          font: { size: 11 },
        },
      };
    }
  });

  new Chart(canvas("capacity-chart"), {
    type: "line",
    data: {
      datasets: data.lines.map((line, i) => ({
        label: line.label,
        borderColor: colour(i),
        backgroundColor: colour(i),
        pointStyle: line.points.map((p) => (p.met ? "circle" : "crossRot")),
        pointRadius: line.points.map((p) => (p.phase === "confirm" ? 6 : 4)),
        data: line.points.map((p) => ({ x: p.x, y: Math.max(p.p99, 0.1), p99: p.p99, met: p.met, phase: p.phase })),
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      scales: {
        x: { type: "linear", title: { display: true, text: "offered rate (req/s)" } },
        y: { type: "logarithmic", title: { display: true, text: "p99 latency (ms, log scale)" } },
      },
      plugins: {
        annotation: { annotations },
        tooltip: {
          callbacks: {
            label: (c) => {
              const p = /** @type {{ x: number, p99: number, met: boolean, phase: string }} */ (c.raw);
              return `${c.dataset.label}: ${p.x} req/s \u2192 p99 ${p.p99} ms (${p.phase}, ${p.met ? "met" : "missed"})`;
            },
          },
        },
      },
    },
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

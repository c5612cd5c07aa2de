// What the page offers to download: the results (JSON) and their curves (CSV: `lth imp`'s
// curves.csv, which the core writes through the worker), the latest finished round's ticket
// (safetensors, from the worker), and each chart as a PNG. A view of the run state (run-state.js).
import { trialsOf } from './run-trials.js';
import { $ } from './dom.js';

/** Saves `blob` as a file called `name`, as a download link would. */
function download(blob, name) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** Points a download link at new contents (or hides it). */
function offerFile(link, contents, type, name) {
  URL.revokeObjectURL(link.href);
  link.hidden = contents == null;
  if (contents == null) return;
  link.href = URL.createObjectURL(new Blob([contents], { type }));
  link.download = name;
}

/** A file name for a run's settings (a network given as text made safe). */
const fileStem = (config) => `${config.model.replace(/[^a-z0-9-]+/gi, '_')}-seed${config.seed}`;

/** A results object's file name, without its extension. */
const resultsStem = (results) => `ticketlab-${fileStem(results.config)}${results.results ? `-trials${results.trials}` : ''}`;

/**
 * The results' files: the JSON, and the link to the curves' CSV, which the core writes when it is
 * clicked (both hidden without a finished round).
 */
function offerResults(results) {
  const has = trialsOf(results).some((trial) => trial.rounds.length > 0);
  offerFile($('download'), has ? JSON.stringify(results, null, 2) : null, 'application/json', `${has ? resultsStem(results) : ''}.json`);
  $('download-csv').hidden = !has;
}

/**
 * Offers the files of the run in `store`: `trials` runs it (the trial in progress names the
 * ticket; its trainers export the tickets), and `charts` (run-charts.js) are drawn as PNGs.
 */
export function watchDownloads(store, trials, charts) {
  const button = $('export-ticket');

  /** The latest finished round of the ticket, offered as a safetensors file. */
  function offerTicketExport(rounds) {
    const level = rounds.filter((r) => r.branch === 'ticket' && r.complete).map((r) => r.level).reduce((a, b) => Math.max(a, b), -1);
    button.parentElement.hidden = level < 0;
    button.dataset.level = level;
    const seed = trials.settings && trials.trial?.count > 1 ? `, seed ${trials.settings.seed}` : ''; // the trial on show
    button.textContent = `${level === 0 ? 'Export the dense network' : `Export the ticket of round ${level}`}${seed} (safetensors)`;
    $('export-ticket-hint').textContent = 'its mask, the weights it restarts from, and the settings; PyTorch and NumPy read it';
  }

  button.addEventListener('click', async () => {
    try {
      const { level, bytes } = await trials.trainers.exportTicket(Number(button.dataset.level));
      // The workers hold the last trial's tickets: its seed names the file.
      download(new Blob([bytes], { type: 'application/octet-stream' }), `ticketlab-${fileStem(trials.settings)}-round${level}.safetensors`);
    } catch (error) {
      $('export-ticket-hint').textContent = `The ticket could not be exported: ${error.workerMessage ?? error.message}`;
    }
  });

  // The learning curves as `lth imp`'s curves.csv (src/report.rs), written by the core on demand.
  const csvLink = $('download-csv');
  const csvLabel = csvLink.textContent;
  csvLink.addEventListener('click', async (event) => {
    event.preventDefault();
    const { results } = store.state;
    try {
      const { csv } = await trials.trainers.curvesCsv(trialsOf(results));
      download(new Blob([csv], { type: 'text/csv' }), `${resultsStem(results)}-curves.csv`);
    } catch (error) {
      csvLink.textContent = `the learning curves (CSV) could not be written: ${error.workerMessage ?? error.message}`;
    }
  });

  // Each chart panel's "PNG" button downloads the chart as drawn (axes included; the legend is
  // the panel's text).
  const pngs = { tickets: charts.tickets, 'early-stop': charts.earlyStop, accuracy: charts.accuracy, loss: charts.loss };
  for (const [name, chart] of Object.entries(pngs)) {
    $(`${name}-png`).addEventListener('click', async () => download(await chart.toPng(), `ticketlab-${name}.png`));
  }

  store.subscribe((state, action) => {
    if (action.type === 'views_reset') button.parentElement.hidden = true;
    if (action.type === 'round_done' && !state.replaying) offerTicketExport(state.rounds);
    if (['views_reset', 'done', 'stopped', 'error'].includes(action.type)) {
      offerResults(state.results);
      csvLink.textContent = csvLabel;
    }
  });
}

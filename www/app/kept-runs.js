// The finished rounds of the last run with each set of settings, kept in IndexedDB so that a
// reload (or a crashed tab) can show them again, and resume the run (resume.js). One record per
// settings hash: {key, config, rounds, checkpoint ({level, bytes}, or null), views (the ticket
// rounds' panel views: the round_views messages), ended (once the run ended: its results without
// their rounds, whose status says whether it finished, stopped or diverged; else null), saved
// (ms since 1970)}. Storage that is missing or refused only means nothing is kept.

const DATABASE = 'ticketlab';
const STORE = 'runs';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact(mode, act) {
  const database = await open();
  try {
    return await new Promise((resolve, reject) => {
      const request = act(database.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    database.close();
  }
}

/**
 * Keeps what a run with these settings has done so far ({config, rounds, checkpoint, views,
 * ended}), replacing the last record.
 */
export function keepRounds(key, run) {
  return transact('readwrite', (store) => store.put({ key, ...run, saved: Date.now() })).catch(() => {});
}

/** The kept record for these settings, or null. */
export function keptRounds(key) {
  return transact('readonly', (store) => store.get(key)).then((record) => record ?? null, () => null);
}

// The finished rounds of the last run with each set of settings, kept in IndexedDB so that a
// reload (or a crashed tab) can show them again, and resume the run (resume.js). One record per
// settings hash: {key, config, rounds, checkpoint ({level, bytes}, or null), ended (once the run
// ended: its results without their rounds, whose status says whether it finished, stopped or
// diverged; else null), saved (ms since 1970)}. Storage that is missing or refused only means nothing is kept.

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
 * Keeps the rounds finished so far of a run with these settings, the checkpoint it can resume
 * from, and how it ended (replacing the last record's).
 */
export function keepRounds(key, config, rounds, checkpoint = null, ended = null) {
  return transact('readwrite', (store) => store.put({ key, config, rounds, checkpoint, ended, saved: Date.now() })).catch(() => {});
}

/** The kept record for these settings, or null. */
export function keptRounds(key) {
  return transact('readonly', (store) => store.get(key)).then((record) => record ?? null, () => null);
}

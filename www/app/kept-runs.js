// The finished rounds of the last run with each set of settings, kept in IndexedDB so that a
// reload (or a crashed tab) can show them again, and resume the run (resume.js). One record per
// settings hash: {key, config, order (the run's segments in order: the core's run_order), rounds,
// checkpoint ({level, bytes}, or null), views (the ticket rounds' panel views: the round_views
// messages), ended (once the run ended: its results without their rounds, whose status says
// whether it finished, stopped or diverged; else null), saved (ms since 1970)}. Storage that is missing or refused means nothing is kept: a write that fails
// (a full disk, a quota) rejects with a message saying so; a record that cannot be read whole (a
// damaged one) is told apart (DAMAGED), never read.

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

/** `act(store)`'s request's result, once its transaction has committed (rejects if it aborts). */
async function transact(mode, act) {
  const database = await open();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = database.transaction(STORE, mode);
      const request = act(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onabort = () => reject(transaction.error ?? request.error ?? new Error('the write was aborted'));
      transaction.onerror = () => reject(transaction.error ?? request.error);
    });
  } finally {
    database.close();
  }
}

/**
 * Keeps what a run with these settings has done so far ({config, rounds, checkpoint, views,
 * ended}), replacing the last record. Resolves once it is on disk; rejects with an Error that
 * says why not (a full disk or quota, storage refused).
 */
export async function keepRounds(key, run) {
  try {
    await transact('readwrite', (store) => store.put({ key, ...run, saved: Date.now() }));
  } catch (error) {
    const why = error?.name === 'QuotaExceededError' ? 'its storage is full'
      : typeof indexedDB === 'undefined' ? 'it offers this page no storage (a private window may not)'
        : `its storage refused it (${error?.name ?? error})`;
    throw new Error(`this browser did not keep the last round: ${why}`);
  }
}

/** Whether a kept record can be read whole: its settings, and its rounds each with a branch and a level. */
export function isWhole(record) {
  return record != null && typeof record === 'object' && record.config != null && typeof record.config === 'object' &&
    Array.isArray(record.rounds) && record.rounds.every((round) => round != null && typeof round.branch === 'string' && Number.isInteger(round.level)) &&
    (record.views == null || Array.isArray(record.views));
}

/** A record that is there but cannot be read whole, as keptRounds gives it. */
export const DAMAGED = Object.freeze({ damaged: true });

/** The kept record for these settings; null when there is none (or storage is refused); DAMAGED. */
export function keptRounds(key) {
  return transact('readonly', (store) => store.get(key)).then((record) => (record == null ? null : isWhole(record) ? record : DAMAGED), () => null);
}

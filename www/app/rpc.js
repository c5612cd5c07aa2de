// Request and reply over postMessage, for the benchmark's workers: the page calls a worker's
// handlers by name and awaits the answer. Messages: {id, type, ...} in; {id, type: 'result' |
// 'error', ...} out.

/** In a worker: answers each message with its handler's result, or with the error it threw. */
export function serve(handlers) {
  self.onmessage = async ({ data: { id, type, ...payload } }) => {
    try {
      if (!handlers[type]) throw new Error(`unknown message type "${type}"`);
      self.postMessage({ id, type: 'result', ...(await handlers[type](payload)) });
    } catch (error) {
      self.postMessage({ id, type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  };
}

/** In the page: starts the module worker at `url`; returns {call(type, payload), terminate()}. */
export function connect(url, name) {
  const worker = new Worker(url, { type: 'module' });
  const pending = new Map();
  let nextId = 0;
  worker.onmessage = ({ data: { id, type, ...reply } }) => {
    const { resolve, reject } = pending.get(id);
    pending.delete(id);
    // The error names the worker; workerMessage keeps the worker's own words.
    if (type === 'error') reject(Object.assign(new Error(`${name}: ${reply.message}`), { workerMessage: reply.message }));
    else resolve(reply);
  };
  // A worker whose script fails to load or throws outside a handler: fail whatever waits on it.
  worker.onerror = (event) => {
    event.preventDefault();
    for (const { reject } of pending.values()) reject(new Error(`${name}: the worker stopped (${event.message || 'its script did not load'})`));
    pending.clear();
  };
  return {
    call(type, payload = {}) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, type, ...payload });
      });
    },
    terminate: () => worker.terminate(),
  };
}

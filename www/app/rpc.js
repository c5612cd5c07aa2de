// The one message protocol between the page and every worker (worker.js, bench-worker.js,
// tfjs-worker.js). Two kinds of message, either direction:
//   a request, which expects an answer, carries an id: {id, type, ...}; its answer carries the same
//     id: {id, type: 'result', ...} or {id, type: 'error', message, internal?} (the request's
//     promise rejects; `internal`: the worker's core failed and the worker cannot be used again);
//   an event carries no id and no answer is sent: {type, ...}, routed by its type.
// The benchmark's workers take requests only; the training worker takes both (a run's commands
// and its progress are events; questions such as "which layers does this model have" are requests).

/** The buffers of every typed array in `value` (objects and arrays searched), to transfer them. */
export function transferables(value) {
  if (ArrayBuffer.isView(value)) return [value.buffer];
  if (value && typeof value === 'object') return Object.values(value).flatMap(transferables);
  return [];
}

/**
 * In a worker: answers each request with its handler's result (its buffers transferred), or with
 * the error it threw (an error with `internal` says so); passes each event to `events[type]`. An
 * event handler that throws, or an unknown type, goes to `onEventError(error)`.
 */
export function serve(requests, events = {}, onEventError = (error) => { throw error; }) {
  self.onmessage = async ({ data: { id, type, ...payload } }) => {
    if (id === undefined) {
      try {
        if (!events[type]) throw new Error(`unknown message type "${type}"`);
        await events[type](payload);
      } catch (error) {
        onEventError(error);
      }
      return;
    }
    try {
      if (!requests[type]) throw new Error(`unknown request type "${type}"`);
      const answer = { id, type: 'result', ...(await requests[type](payload)) };
      self.postMessage(answer, transferables(answer));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      self.postMessage({ id, type: 'error', message, ...(error?.internal ? { internal: true } : {}) });
    }
  };
}

/**
 * In the page: starts the module worker at `url` (`name` leads its errors); returns
 * {call(type, payload) -> promise of the answer, post(type, payload, transfer) for an event,
 * terminate()}. Events from the worker go to `onEvent(message)`. A worker that fails to load or
 * throws outside a handler fails every request waiting on it and calls `onError(event)`; so does
 * terminate(), without the call.
 * A rejected request's error keeps the worker's own words as `workerMessage`, and its `internal`.
 */
export function connect(url, name, { onEvent = () => {}, onError = () => {} } = {}) {
  const worker = new Worker(url, { type: 'module' });
  const pending = new Map();
  let nextId = 0;
  worker.onmessage = ({ data }) => {
    if (data.id === undefined) {
      onEvent(data);
      return;
    }
    const { id, type, ...answer } = data;
    const { resolve, reject } = pending.get(id);
    pending.delete(id);
    if (type === 'error') reject(Object.assign(new Error(`${name}: ${answer.message}`), { workerMessage: answer.message, internal: Boolean(answer.internal) }));
    else resolve(answer);
  };
  const failPending = (why) => {
    for (const { reject } of pending.values()) reject(new Error(`${name}: ${why}`));
    pending.clear();
  };
  worker.onerror = (event) => {
    event.preventDefault();
    failPending(`the worker stopped (${event.message || 'its script did not load'})`);
    onError(event);
  };
  return {
    call(type, payload = {}) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, type, ...payload });
      });
    },
    post(type, payload = {}, transfer = []) {
      worker.postMessage({ type, ...payload }, transfer);
    },
    terminate() {
      worker.terminate();
      failPending('the worker was ended, and its networks with it');
    },
  };
}

// Downloads the four MNIST IDX files from the site's data/ folder; shared by the workers. Once the
// core has accepted them they are kept in the browser's Cache Storage, so later visits read them
// from there (and work offline). Cache Storage exists only on secure origins (https, localhost);
// elsewhere every visit downloads them.
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

// The files never change (their hashes are checked when the site is built); a new name would
// start a new cache.
const CACHE = 'ticketlab-mnist-1';
const fileUrl = (name) => new URL(`../data/${name}`, import.meta.url);

/** The cache, or null where there is none (not a secure origin, or storage refused). */
async function openCache() {
  if (typeof caches === 'undefined') return null;
  return caches.open(CACHE).catch(() => null);
}

/**
 * The bytes of data/<name>, from the cache if it has them; onProgress(loaded, total, cached) is
 * called as they arrive.
 */
export async function fetchFile(name, onProgress = () => {}) {
  const kept = await (await openCache())?.match(fileUrl(name));
  if (kept) {
    const bytes = new Uint8Array(await kept.arrayBuffer());
    onProgress(bytes.length, bytes.length, true);
    return bytes;
  }
  let response;
  try {
    response = await fetch(fileUrl(name));
  } catch (error) {
    throw new Error(`could not download data/${name} (${error.message}); check the connection and try again`);
  }
  if (!response.ok) {
    throw new Error(`could not download data/${name}: the server answered ${response.status} ${response.statusText}; is the site built with its data folder (scripts/build)?`);
  }
  const total = Number(response.headers.get('Content-Length')) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total, false);
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** The four files' bytes, in MNIST_FILES order. */
export async function fetchMnist(onProgress = () => {}) {
  const files = [];
  for (const name of MNIST_FILES) files.push(await fetchFile(name, (loaded, total, cached) => onProgress(name, loaded, total, cached)));
  return files;
}

/**
 * Keeps the four files (in MNIST_FILES order) for the next visit. Call it once the core has
 * accepted them, so that a damaged download is never kept. Without room or a cache, the next
 * visit downloads them again.
 */
export async function rememberMnist(files) {
  const cache = await openCache();
  await Promise.all(MNIST_FILES.map((name, index) => cache?.put(fileUrl(name), new Response(files[index])))).catch(() => {});
}

// MNIST: the four IDX files, served gzip-compressed from the site's data/ folder (scripts/build
// makes data/<name>.gz with gzip -9; 11.4 MB instead of 55.7 MB) and decompressed here with
// DecompressionStream. The page downloads them once (app/trainers.js) and hands the bytes to
// every training worker, which checks their sha256 with the core before training. Once a worker
// has accepted them, the compressed files are kept in the browser's Cache Storage, so later visits
// read them from there (and work offline). Cache Storage exists only on secure origins (https,
// localhost); elsewhere every visit downloads them.
import { canGunzip, gunzipped } from './gzip.js';

export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** Each file's sha256, decompressed: scripts/fetch-mnist's checksums (a page test checks they agree). */
export const MNIST_SHA256 = {
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

/**
 * What a first visit downloads for MNIST: the four .gz files as `gzip -9 -n` makes them, in bytes
 * (a page test checks it against the built site).
 */
export const MNIST_DOWNLOAD_BYTES = 11_369_320;

// The files never change (their hashes are checked); a new name starts a new cache. The first
// cache held the files uncompressed, under their old names.
const CACHE = 'ticketlab-mnist-2';
const OLD_CACHES = ['ticketlab-mnist-1'];
const fileUrl = (name) => new URL(`../data/${name}.gz`, import.meta.url);

/** The cache, or null where there is none (not a secure origin, or storage refused). */
async function openCache() {
  if (typeof caches === 'undefined') return null;
  return caches.open(CACHE).catch(() => null);
}

/** Whether a run must download MNIST first (this browser has not kept it), to say so before it starts. */
export async function mnistNeedsDownload() {
  const cache = await openCache();
  if (!cache) return true;
  const kept = await Promise.all(MNIST_FILES.map((name) => cache.match(fileUrl(name)).catch(() => undefined)));
  return kept.some((response) => !response);
}

/** All of `chunks` in one array. */
function joined(chunks, length) {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * data/<name>.gz as served, from the cache if it has it: {packed, cached}; onProgress(loaded,
 * total, cached) is called as the bytes arrive.
 */
async function download(name, onProgress) {
  const kept = await (await openCache())?.match(fileUrl(name)).catch(() => undefined);
  if (kept) {
    const packed = new Uint8Array(await kept.arrayBuffer());
    onProgress(packed.length, packed.length, true);
    return { packed, cached: true };
  }
  let response;
  try {
    response = await fetch(fileUrl(name));
  } catch (error) {
    throw new Error(`could not download data/${name}.gz (${error.message}); check the connection and try again`);
  }
  if (!response.ok) {
    throw new Error(`could not download data/${name}.gz: the server answered ${response.status} ${response.statusText}; is the site built with its data folder (scripts/build)?`);
  }
  // A server that sends the file with Content-Encoding: gzip has it decompressed on the way: its
  // Content-Length then counts other bytes than the ones read here.
  const total = response.headers.has('Content-Encoding') ? 0 : Number(response.headers.get('Content-Length')) || 0;
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
  return { packed: joined(chunks, loaded), cached: false };
}

/** The IDX file in `packed` (gzip; bytes the browser already decompressed pass as they are). */
async function gunzip(name, packed) {
  if (!canGunzip() && packed[0] === 0x1f && packed[1] === 0x8b) {
    throw new Error('this browser cannot decompress MNIST (it has no DecompressionStream); use Chrome 80+, Firefox 113+ or Safari 16.4+');
  }
  try {
    return await gunzipped(packed); // not gzip: a damaged file fails the sha256 check
  } catch (error) {
    throw new Error(`data/${name}.gz is damaged (${error.message}); reload to download it again`);
  }
}

/**
 * The four files' bytes, in MNIST_FILES order, downloaded (or read from the cache) one after the
 * other; onProgress(name, loaded, total, cached) counts the compressed bytes. Returns {files,
 * remember}: call remember() once the core has accepted the files, so that a damaged download is
 * never kept; it keeps the compressed files for the next visit (without room or a cache, the next
 * visit downloads them again).
 */
export async function downloadMnist(onProgress = () => {}) {
  const downloads = [];
  const unpacking = [];
  for (const name of MNIST_FILES) {
    const { packed, cached } = await download(name, (loaded, total, fromCache) => onProgress(name, loaded, total, fromCache));
    if (!cached) downloads.push({ name, packed });
    const unpacked = gunzip(name, packed); // while the next file downloads
    unpacked.catch(() => {}); // reported by Promise.all below, not as unhandled if a later download fails first
    unpacking.push(unpacked);
  }
  const files = await Promise.all(unpacking);
  let remembered = null;
  const remember = () => {
    remembered ??= (async () => {
      const cache = await openCache();
      if (!cache || !downloads.length) return;
      await Promise.all(downloads.splice(0).map(({ name, packed }) => cache.put(fileUrl(name), new Response(packed))));
      await Promise.all(OLD_CACHES.map((old) => caches.delete(old)));
    })().catch(() => {});
    return remembered;
  };
  return { files, remember };
}

/** The four files' bytes, in MNIST_FILES order (for the benchmark's workers, which fetch their own). */
export async function fetchMnist(onProgress = () => {}) {
  return (await downloadMnist(onProgress)).files;
}

/** One file's bytes (decompressed), from the cache if it has it. */
export async function fetchFile(name, onProgress = () => {}) {
  const { packed } = await download(name, onProgress);
  return gunzip(name, packed);
}

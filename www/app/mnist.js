// Downloads the four MNIST IDX files from the site's data/ folder; shared by the workers.
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** The bytes of data/<name>; onProgress(loaded, total) is called as they arrive. */
export async function fetchFile(name, onProgress = () => {}) {
  let response;
  try {
    response = await fetch(new URL(`../data/${name}`, import.meta.url));
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
    onProgress(loaded, total);
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
  for (const name of MNIST_FILES) files.push(await fetchFile(name, (loaded, total) => onProgress(name, loaded, total)));
  return files;
}

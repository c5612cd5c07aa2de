// Decompressing what the site serves gzip-compressed (MNIST, the precomputed run), with the
// browser's own DecompressionStream.

/** Whether this browser can decompress gzip in a page or worker. */
export const canGunzip = () => typeof DecompressionStream !== 'undefined';

/**
 * The bytes that gzip `packed` holds; bytes that are not gzip (a server that sent the file with
 * Content-Encoding: gzip, so the browser already decompressed it) pass as they are. Throws gzip's
 * own error for damaged data.
 */
export async function gunzipped(packed) {
  if (packed[0] !== 0x1f || packed[1] !== 0x8b) return packed;
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// A small static file server for the built site: correct MIME types (application/wasm, ES
// modules), every file revalidated on use (a rebuilt site shows at once), and only files under the
// site folder.
//   node scripts/static-server.mjs <folder> [port]     (port 0 picks a free one; it prints the URL)
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export function serve(folder, port = 0, host = '127.0.0.1') {
  const root = resolve(folder);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403).end('forbidden');
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const { size, mtime, mtimeMs } = statSync(file);
      // Revalidated on every use, as hosts do: a file already fetched (by another worker, say) is
      // answered 304 Not Modified, and a rebuilt one is sent again.
      const etag = `"${size.toString(36)}-${Math.round(mtimeMs).toString(36)}"`;
      const headers = { ETag: etag, 'Last-Modified': mtime.toUTCString(), 'Cache-Control': 'no-cache' };
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304, headers).end();
        return;
      }
      response.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': size });
      createReadStream(file).pipe(response);
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  return new Promise((resolvePromise) => {
    server.listen(port, host, () => resolvePromise(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [folder = 'site', port = '8080'] = process.argv.slice(2);
  const server = await serve(folder, Number(port));
  console.log(`ticketlab is served at http://127.0.0.1:${server.address().port}/  (Ctrl-C stops it)`);
}

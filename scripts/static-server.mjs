// A small static file server for the built site: correct MIME types (application/wasm, ES
// modules), every file revalidated on use (a rebuilt site shows at once), and only files under the
// site folder. With a prefix the site is served under that path, as a GitHub Pages project site is
// under /NAME/: /NAME/x is the folder's file x, /NAME redirects to /NAME/, and every other path is a 404.
//   node scripts/static-server.mjs <folder> [port] [--prefix /NAME/]
//   (port 0 picks a free one; it prints the URL)
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

/** '/NAME/' from 'NAME', '/NAME' or '/NAME/'; '/' for none. */
export function normalizePrefix(prefix = '/') {
  const inner = prefix.split('/').filter(Boolean).join('/');
  return inner ? `/${inner}/` : '/';
}

/**
 * Serves `folder` at http://host:port{prefix}; resolves to the listening http.Server. `headers`
 * are added to every file's response (a test can send the page's CSP as a host's header would).
 * `override(path, file)` (for tests), given the path under the prefix and the file it names, may
 * answer instead: {body, type}, sent uncached; or nothing, and the file is served.
 */
export function serve(folder, port = 0, host = '127.0.0.1', { prefix = '/', headers = {}, override = () => null } = {}) {
  const root = resolve(folder);
  const base = normalizePrefix(prefix);
  const server = createServer((request, response) => {
    const requested = new URL(request.url, 'http://x').pathname;
    if (`${requested}/` === base) {
      response.writeHead(301, { Location: base }).end();
      return;
    }
    if (!requested.startsWith(base)) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${requested} (the site is under ${base})`);
      return;
    }
    const path = decodeURIComponent(requested.slice(base.length - 1));
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403).end('forbidden');
      return;
    }
    try {
      if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) file = join(file, 'index.html');
      const replaced = override(path, file);
      if (replaced) {
        response.writeHead(200, { ...headers, 'Cache-Control': 'no-store', 'Content-Type': replaced.type ?? TYPES[extname(file)] ?? 'application/octet-stream' });
        response.end(replaced.body);
        return;
      }
      const { size, mtime, mtimeMs } = statSync(file);
      // Revalidated on every use, as hosts do: a file already fetched (by another worker, say) is
      // answered 304 Not Modified, and a rebuilt one is sent again.
      const etag = `"${size.toString(36)}-${Math.round(mtimeMs).toString(36)}"`;
      const validators = { ETag: etag, 'Last-Modified': mtime.toUTCString(), 'Cache-Control': 'no-cache', ...headers };
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304, validators).end();
        return;
      }
      response.writeHead(200, { ...validators, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': size });
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
  const args = process.argv.slice(2);
  const at = args.indexOf('--prefix');
  const prefix = normalizePrefix(at >= 0 ? args.splice(at, 2)[1] : '/');
  const [folder = 'site', port = '8080'] = args;
  const server = await serve(folder, Number(port), '127.0.0.1', { prefix });
  console.log(`ticketlab is served at http://127.0.0.1:${server.address().port}${prefix}  (Ctrl-C stops it)`);
}

// The native CLI as the page tests' oracle: a page run's settings through `lth train`, whose
// results must equal the page's, every evaluation, to the last bit.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The rounds without their wall times: what must be identical between runs and builds. */
export const numbers = (run) => run.rounds.map(({ seconds, ...round }) => round);

/** The same settings through the native CLI; returns its results JSON (also of a run that ends early). */
export function nativeRun(config) {
  const folder = mkdtempSync(join(tmpdir(), 'ticketlab-'));
  const [configFile, out] = [join(folder, 'config.json'), join(folder, 'native.json')];
  writeFileSync(configFile, JSON.stringify(config));
  try {
    execFileSync('cargo', ['run', '--quiet', '--release', '--bin', 'lth', '--', 'train', '--config', configFile, '--out', out],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if (error.status !== 3) throw error; // 3: the run stopped or diverged, and its results were written
  }
  return JSON.parse(readFileSync(out, 'utf8'));
}

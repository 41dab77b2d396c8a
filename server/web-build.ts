/**
 * The zero-setup start: when the web view has not been built yet, build it once before
 * serving (so `npm install && npm start` shows the explorer at /).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureWebBuilt(webDist: string, log: (line: string) => void): void {
  if (existsSync(join(webDist, 'index.html'))) return;
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  if (!scripts['build:web'] || !existsSync('web/index.html')) return;
  log('web view not built yet: running npm run build:web (first start only)');
  const result = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
  if (result.status !== 0) log('web build failed; the API still runs — see the output above');
}

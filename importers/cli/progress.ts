/** Progress on a terminal (a bar: records read, written, rate) or plain lines elsewhere. */
import cliProgress from 'cli-progress';
import type { SyncProgress } from '../sync/index.js';

export interface ProgressView {
  update(p: SyncProgress): void;
  stop(): void;
}

export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const started = Date.now();
  const rate = (n: number) => Math.round(n / Math.max(0.001, (Date.now() - started) / 1000));
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: '{phase} |{bar}| {value}/{total} written · {read} read · {rate}/s',
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        if (!started) {
          bar.start(Math.max(p.total, 1), 0, { phase: p.phase, read: 0, rate: 0 });
          started = true;
        }
        if (p.total) bar.setTotal(p.total);
        bar.update(p.written, { phase: p.phase.padEnd(8), read: p.read, rate: rate(p.phase === 'read' ? p.read : p.written) });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let lastPhase = '';
  return {
    update(p) {
      const now = Date.now();
      if (p.phase === lastPhase && now - last < 2000) return;
      last = now;
      lastPhase = p.phase;
      stream.write(`${p.phase}: ${p.read} read, ${p.written} written (${rate(p.phase === 'read' ? p.read : p.written)}/s)\n`);
    },
    stop() {},
  };
}

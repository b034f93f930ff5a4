// The short chaos suite (bench/chaos/runner.ts) inside `npm test`: its own Temporal dev server (SQLite
// file), sandbox, worker and gateway as separate processes on free ports; ~20 concurrent activations per
// scenario while the worker, then the Temporal server, then the gateway is SIGKILLed and restarted, and
// with seeded Vlens faults. Every activation must end as its script intends, with exactly one SMS per
// send, exactly one successful StepValidatePayment per activation, no payment event acted on twice and
// no workflow task failure. The full version is `npm run chaos`.
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRunDir, runChaos } from '../../bench/chaos/runner';

describe('chaos (short)', () => {
  it('loses and doubles nothing while processes are killed and Vlens misbehaves', async () => {
    // Progress lines are kept and printed once at the end; vitest would frame each one separately.
    const lines: string[] = [];
    const report = await runChaos({
      mode: 'short',
      runDir: defaultRunDir(path.join(os.tmpdir(), 'vlens-chaos'), 'test'),
      log: (line) => void lines.push(line),
    });
    console.log(lines.join('\n'));
    const breaches = report.scenarios.flatMap((s) => s.breaches.map((b) => `${s.name}: ${b}`));
    expect(breaches).toEqual([]);
    expect(report.scenarios.map((s) => s.name)).toEqual(['worker-kill', 'server-kill', 'gateway-kill', 'vlens-faults']);
    for (const s of report.scenarios) {
      expect(s.outcomes.activated ?? 0, s.name).toBeGreaterThan(0);
      expect(s.kills, s.name).toBeGreaterThanOrEqual(s.killsRequired);
    }
    expect(report.ok).toBe(true);
  }, 295_000);
});

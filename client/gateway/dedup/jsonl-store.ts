// The default dedup record: one JSON line per event, appended and fsynced before the webhook is
// acknowledged, read back whole at start-up. Entries older than the retention (providers stop
// retrying long before) are dropped when the file is compacted at start-up.
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { DedupEntry, EventDedupStore } from './store';

interface Line {
  id: string;
  requestId: string;
  at: string;
}

const DAY_MS = 86_400_000;

export interface JsonlStoreOptions {
  retentionDays?: number;
  now?: () => number;
}

export class JsonlDedupStore implements EventDedupStore {
  /** Serialises appends, so lines never interleave and each add waits for its own fsync. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly handle: FileHandle,
    private readonly seen: Map<string, Line>,
    private readonly now: () => number,
  ) {}

  static async open(file: string, options: JsonlStoreOptions = {}): Promise<JsonlDedupStore> {
    const now = options.now ?? Date.now;
    const oldest = now() - (options.retentionDays ?? 90) * DAY_MS;
    await mkdir(path.dirname(file), { recursive: true });
    const { lines, unreadable } = await readLines(file);
    const seen = new Map<string, Line>();
    let expired = 0;
    for (const line of lines) {
      if (Date.parse(line.at) < oldest) expired++;
      else seen.set(line.id, line);
    }
    // A torn last line (crash mid-write) or expired entries: rewrite the file with what is kept.
    if (unreadable > 0 || expired > 0) await rewrite(file, [...seen.values()]);
    return new JsonlDedupStore(await open(file, 'a'), seen, now);
  }

  async has(eventId: string): Promise<boolean> {
    return this.seen.has(eventId);
  }

  async add(entry: DedupEntry): Promise<void> {
    if (this.seen.has(entry.eventId)) return;
    const line: Line = { id: entry.eventId, requestId: entry.requestId, at: new Date(this.now()).toISOString() };
    const write = this.writes.then(async () => {
      await this.handle.appendFile(`${JSON.stringify(line)}\n`, 'utf8');
      await this.handle.sync();
    });
    this.writes = write.catch(() => undefined);
    await write;
    // Only once it is on disk: a failed write must not make a redelivery look like a duplicate.
    this.seen.set(line.id, line);
  }

  async close(): Promise<void> {
    await this.writes;
    await this.handle.close();
  }
}

async function readLines(file: string): Promise<{ lines: Line[]; unreadable: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], unreadable: 0 };
    throw error;
  }
  const lines: Line[] = [];
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      const parsed = JSON.parse(raw) as Partial<Line>;
      if (typeof parsed.id === 'string' && typeof parsed.requestId === 'string' && typeof parsed.at === 'string') {
        lines.push({ id: parsed.id, requestId: parsed.requestId, at: parsed.at });
        continue;
      }
    } catch {
      // counted below
    }
    unreadable++;
  }
  return { lines, unreadable };
}

async function rewrite(file: string, lines: Line[]): Promise<void> {
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

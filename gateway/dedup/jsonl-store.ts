// The default dedup record: one JSON line per event, appended and fsynced before the webhook is
// acknowledged, read back whole at start-up. Entries older than the retention (providers stop
// retrying long before) are dropped when the file is compacted at start-up. Idempotency-Key bindings
// live beside it in idempotency-keys.jsonl, the same way (one line per first use of a key).
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import {
  claimEventInMemory,
  claimInMap,
  IDEMPOTENCY_RETENTION_MS,
  type DedupEntry,
  type EventClaim,
  type EventDedupStore,
  type IdempotencyClaim,
} from './store';

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

export const IDEMPOTENCY_FILE_NAME = 'idempotency-keys.jsonl';

export class JsonlDedupStore implements EventDedupStore {
  /** Serialises appends, so lines never interleave and each add waits for its own fsync. */
  private writes: Promise<unknown> = Promise.resolve();
  private keyWrites: Promise<unknown> = Promise.resolve();
  /** Claims in progress: kept in memory only, so a crash between claim and signal loses none of them. */
  private readonly claims = new Map<string, number>();

  private constructor(
    private readonly handle: FileHandle,
    private readonly seen: Map<string, Line>,
    private readonly now: () => number,
    private readonly keyHandle: FileHandle,
    private readonly bodies: Map<string, { bodyHash: string; at: number }>,
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

    const keyFile = path.join(path.dirname(file), IDEMPOTENCY_FILE_NAME);
    const bodies = new Map<string, { bodyHash: string; at: number }>();
    const keyLines = await readLines(keyFile);
    let keysDropped = keyLines.unreadable;
    for (const line of keyLines.lines) {
      const at = Date.parse(line.at);
      if (now() - at >= IDEMPOTENCY_RETENTION_MS) keysDropped++;
      else if (!bodies.has(line.id)) bodies.set(line.id, { bodyHash: line.requestId, at });
    }
    if (keysDropped > 0) {
      await rewrite(
        keyFile,
        [...bodies].map(([id, b]) => ({ id, requestId: b.bodyHash, at: new Date(b.at).toISOString() })),
      );
    }
    return new JsonlDedupStore(await open(file, 'a'), seen, now, await open(keyFile, 'a'), bodies);
  }

  async claimIdempotencyKey(scope: string, bodyHash: string): Promise<IdempotencyClaim> {
    const claim = claimInMap(this.bodies, scope, bodyHash, this.now());
    if (claim !== 'new') return claim;
    // Same line shape as the events (`requestId` holds the body hash), so one reader serves both files.
    const line: Line = { id: scope, requestId: bodyHash, at: new Date(this.now()).toISOString() };
    const write = this.keyWrites.then(async () => {
      await this.keyHandle.appendFile(`${JSON.stringify(line)}\n`, 'utf8');
      await this.keyHandle.sync();
    });
    this.keyWrites = write.catch(() => undefined);
    try {
      await write;
    } catch (error) {
      this.bodies.delete(scope); // not on disk: do not remember it either
      throw error;
    }
    return 'new';
  }

  async has(eventId: string): Promise<boolean> {
    return this.seen.has(eventId);
  }

  async claim(entry: DedupEntry): Promise<EventClaim> {
    return claimEventInMemory(this.seen, this.claims, entry.eventId, this.now());
  }

  async release(eventId: string): Promise<void> {
    this.claims.delete(eventId);
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
    this.claims.delete(line.id);
  }

  async close(): Promise<void> {
    await this.writes;
    await this.keyWrites;
    await this.handle.close();
    await this.keyHandle.close();
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

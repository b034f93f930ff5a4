// Injected faults for the Vlens surface: status answers, literal answers, delays and dropped connections, limited by count
// and probability. Probability uses a seeded PRNG per fault so a chaos run replays identically.
import { randomUUID } from 'node:crypto';

/** A literal answer (any status, any raw body): how tests meet answers the client must not recognise. */
export interface FaultAnswer {
  status: number;
  body: string;
  contentType?: string;
}

export interface FaultSpec {
  path: string;
  status?: 500 | 503 | 429;
  answer?: FaultAnswer;
  delayMs?: number;
  drop?: true;
  times?: number;
  probability?: number;
  seed?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  /** How many requests this fault has hit so far. */
  hits: number;
}

interface ActiveFault {
  fault: Fault;
  matcher: RegExp;
  random: () => number;
}

/** mulberry32: tiny, fast, good enough to decide "does this call fail" reproducibly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Glob to RegExp: `**` any characters, `*` any characters but `/`, `?` one character but `/`. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export class FaultRegistry {
  private readonly active: ActiveFault[] = [];

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: randomUUID(), hits: 0 };
    // Without a seed, a fixed one: determinism is the point of this registry.
    this.active.push({ fault, matcher: globToRegExp(spec.path), random: mulberry32(spec.seed ?? 1) });
    return fault;
  }

  remove(id: string): boolean {
    const index = this.active.findIndex((a) => a.fault.id === id);
    if (index < 0) return false;
    this.active.splice(index, 1);
    return true;
  }

  clear(): void {
    this.active.length = 0;
  }

  list(): Fault[] {
    return this.active.map((a) => ({ ...a.fault }));
  }

  /**
   * The faults that fire for this path, in creation order, counting each as a hit. A fault that has used
   * up its `times` no longer matches; the probability draw happens only for faults that still could fire.
   */
  fire(path: string): Fault[] {
    const fired: Fault[] = [];
    for (const a of this.active) {
      const { fault } = a;
      if (!a.matcher.test(path)) continue;
      if (fault.times !== undefined && fault.hits >= fault.times) continue;
      if (fault.probability !== undefined && a.random() >= fault.probability) continue;
      fault.hits += 1;
      fired.push({ ...fault });
      // A fault that answers or drops ends the request; later faults never see it.
      if (fault.status !== undefined || fault.answer !== undefined || fault.drop) break;
    }
    return fired;
  }
}

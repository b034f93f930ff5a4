// Where each process's pino logger writes: JSON to stdout (production, and whenever output goes to a file or
// another program), or one line per event for a person reading a terminal (development). The choice is made
// here once for the gateway, the codec server, the sandbox and the worker; `npm start` asks its children for
// the human form (LOG_FORMAT=pretty). Redaction stays in each logger's own options (redact paths,
// serializers): pino applies it before a line reaches this stream, so both forms carry the same values.
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT=json|pretty when set; otherwise JSON with NODE_ENV=production or when stdout is not a
 * terminal (supervisors, containers, tests that read the lines), the human form on a terminal.
 */
export function logFormat(
  env: NodeJS.ProcessEnv = process.env,
  stdoutIsTty = Boolean(process.stdout.isTTY),
): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  if (env.LOG_FORMAT) throw new Error(`LOG_FORMAT=${env.LOG_FORMAT}: expected json or pretty`);
  return env.NODE_ENV !== 'production' && stdoutIsTty ? 'pretty' : 'json';
}

type LogObject = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
const quoted = (value: string): string => (/[\s"]/.test(value) ? JSON.stringify(value) : value);

/**
 * Fastify names the route on a request's first line only ("incoming request"); the routes of requests in
 * flight are kept by request id so that the line with the status ("request completed") names it too.
 */
export class RouteMemory {
  private readonly routes = new Map<string, string>();
  constructor(private readonly max = 1000) {}

  routeOf(log: LogObject): string | undefined {
    const req = (log.req ?? {}) as LogObject;
    const reqId = text(log.reqId);
    const route = req.method && req.url ? `${text(req.method)} ${text(req.url)}` : text(log.route);
    if (reqId === undefined) return route;
    if (route !== undefined) {
      this.routes.set(reqId, route);
      // Requests that never complete (a dropped connection) must not pile up: forget the oldest.
      if (this.routes.size > this.max) this.routes.delete(this.routes.keys().next().value!);
      return route;
    }
    const remembered = this.routes.get(reqId);
    if (log.res !== undefined) this.routes.delete(reqId);
    return remembered;
  }
}

/** The few fields a person scans for, in this order; everything else stays in the JSON form only. */
export function keyFields(log: LogObject, routes = new RouteMemory()): Array<[string, string]> {
  const res = (log.res ?? {}) as LogObject;
  const err = (log.err ?? log.error) as LogObject | string | undefined;
  const fields: Array<[string, string | undefined]> = [
    ['reqId', text(log.reqId)],
    ['requestId', text(log.requestId)],
    ['workflowId', log.requestId === undefined ? text(log.workflowId) : undefined],
    ['activity', text(log.activityType)],
    ['state', text(log.state)],
    ['route', routes.routeOf(log)],
    ['status', text(res.statusCode ?? log.statusCode ?? log.status)],
    ['duration', durationOf(log)],
    ['reason', text(log.failureReason ?? log.reason)],
    ['url', text(log.url)],
    ['err', typeof err === 'string' ? err : text(err?.message)],
  ];
  return fields.filter((field): field is [string, string] => field[1] !== undefined);
}

function durationOf(log: LogObject): string | undefined {
  const ms = log.responseTime ?? log.durationMs ?? log.ms;
  return typeof ms === 'number' ? `${Math.round(ms)}ms` : text(log.duration);
}

/** Where lines go when not stdout (tests read them here). */
export type LogDestination = DestinationStream;

/**
 * The message of a human line: its first line only below WARN (the SDK's bundler reports webpack's
 * statistics as one multi-line INFO message); warnings and errors keep every line. JSON keeps them all.
 */
function messageText(message: string, level: number): string {
  const lines = message.split('\n');
  return level >= 40 || lines.length === 1 ? message : `${lines[0]} (+${lines.length - 1} lines in LOG_FORMAT=json)`;
}

/** One line per event: `[HH:MM:ss.l] LEVEL: message key=value ...`, coloured when `colorize`. */
export function prettyStream(options: { colorize?: boolean; destination?: LogDestination } = {}) {
  const routes = new RouteMemory();
  return pretty({
    colorize: options.colorize ?? Boolean(process.stdout.isTTY),
    destination: options.destination ?? 1,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    hideObject: true,
    messageFormat: (log, messageKey) => {
      const message = messageText(text(log[messageKey]) ?? '', typeof log.level === 'number' ? log.level : 30);
      const fields = keyFields(log, routes).map(([key, value]) => `${key}=${quoted(value)}`);
      return [message, ...fields].join(' ');
    },
  });
}

/**
 * The `stream` for a pino/Fastify logger: the human form when logFormat says so; otherwise `destination`
 * or nothing, i.e. pino's own JSON to stdout, exactly as before.
 */
export function logStream(
  env: NodeJS.ProcessEnv = process.env,
  destination?: LogDestination,
): { stream?: DestinationStream } {
  if (logFormat(env) === 'pretty') return { stream: prettyStream({ colorize: colourWanted(env), destination }) };
  return destination ? { stream: destination } : {};
}

/** Colour on a terminal, or when `npm start` (whose children write to a pipe) says its own output is one. */
function colourWanted(env: NodeJS.ProcessEnv): boolean {
  if ('NO_COLOR' in env) return false;
  return env.LOG_COLOR === '1' || (env.LOG_COLOR !== '0' && Boolean(process.stdout.isTTY));
}

/** A pino logger writing in the form logFormat chooses. */
export function createLogger(
  options: LoggerOptions,
  env: NodeJS.ProcessEnv = process.env,
  destination?: LogDestination,
): Logger {
  const { stream } = logStream(env, destination);
  return stream ? pino(options, stream) : pino(options);
}

/** A process's own lines outside a Fastify app (start-up, shutdown), in the same form as its request lines. */
export function processLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  return createLogger({ level: env.LOG_LEVEL ?? 'info' }, env);
}

// Malformed and hostile request bodies for the gateway fuzz test: wrong types, huge strings, deep
// nesting, prototype-pollution keys, invalid UTF-8, broken JSON and wrong content types. Generated from a
// seeded PRNG, so a failing case can be reproduced from its index.

export interface FuzzCase {
  route: string;
  method: 'GET' | 'POST';
  /** Raw bytes or text as sent. */
  body?: string | Uint8Array;
  headers: Record<string, string>;
  /** What the case is, for failure messages. */
  label: string;
}

/** mulberry32: tiny, deterministic, good enough to pick cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Values that are wrong for every field of the contract (no value here is a valid code, uuid, number in range, ...). */
export const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  -1,
  1e308,
  -1e308,
  3.5e9,
  '',
  ' ',
  '\u0000',
  '\ud800',
  '１２３４５６',
  '12345\n6',
  ' 1234 ',
  'NaN',
  'Infinity',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${jndi:ldap://127.0.0.1/x}',
  '../../../../etc/passwd',
  '%00%0d%0a',
  'x'.repeat(5_000),
  '\u202e\u0000\uffff',
  [],
  [1, 2, 3],
  [[[[[]]]]],
  {},
  { $gt: '' },
  { __proto__: null, constructor: 'x' },
  { toString: 'boom', valueOf: 'boom' },
];

/** Raw bodies that are not a valid JSON object for any route. */
export const RAW_BODIES: Array<{ label: string; body: string | Uint8Array }> = [
  { label: 'truncated JSON', body: '{"code": "1234' },
  { label: 'trailing garbage', body: '{"a":1} trailing' },
  { label: 'single quotes', body: "{'code':'123456'}" },
  { label: 'bare word', body: 'undefined' },
  { label: 'NaN literal', body: '{"latitude": NaN}' },
  { label: 'huge number literal', body: `{"n": ${'9'.repeat(5_000)}}` },
  { label: 'deep array', body: deepArray(4_000) },
  { label: 'deep object', body: deepObject(1_500) },
  { label: 'proto pollution', body: '{"__proto__":{"polluted":true},"reason":"x"}' },
  { label: 'nested proto pollution', body: '{"device":{"__proto__":{"polluted":true}}}' },
  { label: 'constructor pollution', body: '{"constructor":{"prototype":{"polluted":true}},"eventId":"e"}' },
  {
    label: 'invalid UTF-8',
    body: Uint8Array.from([0x7b, 0x22, 0x63, 0x6f, 0x64, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
  },
  { label: 'overlong UTF-8', body: Uint8Array.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]) },
  { label: 'UTF-16 BOM', body: Uint8Array.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]) },
  { label: 'NUL bytes', body: Uint8Array.from([0x00, 0x00, 0x00, 0x00]) },
  { label: 'duplicate keys', body: '{"code":"1","code":{"x":1}}' },
  { label: 'empty', body: '' },
  { label: 'whitespace', body: '   \n\t ' },
  { label: 'array of objects', body: '[{"code":"123456"}]' },
  { label: 'string', body: '"just a string"' },
];

export const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/json; charset=utf-16',
  'application/octet-stream',
  'application/json, text/plain',
  '*/*',
  'application/vnd.api+json',
];

/** Sets `value` at a dotted path of a copy of `base` (creating nothing: the path must exist). */
export function withField(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(base);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
  return copy;
}

export function withoutField(base: Record<string, unknown>, path: string): Record<string, unknown> {
  const copy = structuredClone(base);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  delete node[keys[keys.length - 1]!];
  return copy;
}

export interface RouteTemplate {
  route: string;
  /** A valid body for the route (mutations break one required field of it). */
  valid: Record<string, unknown>;
  /** Required fields, dotted. */
  required: string[];
  headers?: Record<string, string>;
}

/** `count` hostile cases for one POST route. */
export function postCases(template: RouteTemplate, count: number, random: () => number): FuzzCase[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const json = 'application/json';
  const cases: FuzzCase[] = [];
  for (let i = 0; cases.length < count; i++) {
    const headers = { 'content-type': json, ...template.headers };
    const mode = i % 6;
    if (mode === 0) {
      const field = pick(template.required);
      const value = pick(HOSTILE_VALUES);
      cases.push({
        route: template.route,
        method: 'POST',
        body: JSON.stringify(withField(template.valid, field, value)),
        headers,
        label: `${field}=${JSON.stringify(value)?.slice(0, 40)}`,
      });
    } else if (mode === 1) {
      const field = pick(template.required);
      const extra = pick(['__proto__', 'constructor', 'prototype', '$where', 'toString']);
      // A broken required field plus junk keys: the junk must never make it valid or reach history.
      const body = {
        ...withoutField(template.valid, field),
        [extra]: pick(HOSTILE_VALUES),
        junk: 'y'.repeat(Math.floor(random() * 2_000)),
      };
      cases.push({
        route: template.route,
        method: 'POST',
        body: JSON.stringify(body),
        headers,
        label: `without ${field} + ${extra}`,
      });
    } else if (mode === 2) {
      const value = pick(HOSTILE_VALUES);
      cases.push({
        route: template.route,
        method: 'POST',
        body: JSON.stringify(value),
        headers,
        label: `whole body ${JSON.stringify(value)?.slice(0, 40)}`,
      });
    } else if (mode === 3) {
      const raw = pick(RAW_BODIES);
      cases.push({ route: template.route, method: 'POST', body: raw.body, headers, label: raw.label });
    } else if (mode === 4) {
      const contentType = pick(CONTENT_TYPES);
      cases.push({
        route: template.route,
        method: 'POST',
        body: JSON.stringify(template.valid),
        headers: { ...template.headers, 'content-type': contentType },
        label: `content-type ${contentType}`,
      });
    } else {
      // Huge: over the small-route limit (413), or a huge string inside it.
      const size = pick([20_000, 70_000, 200_000]);
      const field = pick(template.required);
      cases.push({
        route: template.route,
        method: 'POST',
        body: JSON.stringify(withField(template.valid, field, 'z'.repeat(size))),
        headers,
        label: `${field} of ${size} chars`,
      });
    }
  }
  return cases;
}

/** Hostile path segments and query strings for the GET routes. */
export function getCases(count: number, random: () => number): FuzzCase[] {
  const ids = [
    'not-a-uuid',
    '%00',
    '..%2F..%2Fetc%2Fpasswd',
    '__proto__',
    'constructor',
    '%E2%80%AE',
    '%ff%fe',
    'a'.repeat(2_000),
    '00000000-0000-0000-0000-00000000000g',
    '%7B%7D',
    "1'%20OR%20'1'%3D'1",
  ];
  const queries = [
    'state=bogus',
    'state[]=awaiting_otp',
    'limit=-1',
    'limit=1e9',
    'limit=abc',
    'state=awaiting_otp&state=failed',
    '__proto__[x]=1',
    'state=%00',
    `state=${'s'.repeat(3_000)}`,
  ];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const cases: FuzzCase[] = [];
  while (cases.length < count) {
    if (random() < 0.5) {
      const id = pick(ids);
      cases.push({ route: `/v1/activations/${id}`, method: 'GET', headers: {}, label: `GET id ${id.slice(0, 30)}` });
    } else {
      const query = pick(queries);
      cases.push({
        route: `/v1/activations?${query}`,
        method: 'GET',
        headers: {},
        label: `GET list ${query.slice(0, 30)}`,
      });
    }
  }
  return cases;
}

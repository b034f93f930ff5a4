// `npx tsx bench/repro/decode-history.ts <history.json> <CODEC_KEYS spec> <out.json> [lastEventId]` — writes
// a history (as `temporal workflow show -o json` prints it) with every encrypted payload decrypted, so it
// can be replayed with the default data converter and kept as evidence without its key.
import { readFileSync, writeFileSync } from 'node:fs';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createEncryptionCodec, isEncrypted, parseCodecKeys } from '../../codec';

async function decodeAll(value: unknown, codec: ReturnType<typeof createEncryptionCodec>): Promise<void> {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item && typeof item === 'object' && 'metadata' in item && 'data' in item && isEncrypted(item)) {
        value[i] = (await codec.decode([item]))[0];
      } else await decodeAll(item, codec);
    }
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item && typeof item === 'object' && 'metadata' in item && 'data' in item && isEncrypted(item as never)) {
      (value as Record<string, unknown>)[key] = (await codec.decode([item as never]))[0];
    } else await decodeAll(item, codec);
  }
}

async function main(): Promise<void> {
  const [input, spec, output, last] = process.argv.slice(2);
  if (!input || !spec || !output)
    throw new Error('usage: decode-history.ts <history.json> <CODEC_KEYS spec> <out.json> [lastEventId]');
  const json = JSON.parse(readFileSync(input, 'utf8'));
  if (last) json.events = json.events.filter((e: { eventId: string }) => Number(e.eventId) <= Number(last));
  const history = historyFromJSON(json);
  await decodeAll(
    history,
    createEncryptionCodec(parseCodecKeys(spec), { namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' }),
  );
  writeFileSync(output, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`);
  console.log(`wrote ${output}: ${history.events?.length} events, payloads decrypted`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

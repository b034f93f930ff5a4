// The leak scan itself: it must find a secret however a history spells it, and must not mistake six digits
// inside an identifier or six characters of ciphertext for an OTP code (a chance match failed CI once).
import { describe, expect, test } from 'vitest';
import { ENCODING_ENCRYPTED } from '../../codec';
import { findHistoryLeaks, findLeaks } from './secret-guard';

const CODE = '407244';
const TOKEN = 'access-token-3f9a2c71e5b8d046';
const SECRETS = new Map([
  [CODE, 'OTP code'],
  [TOKEN, 'access token'],
]);

const b64 = (text: string) => Buffer.from(text).toString('base64');
const payload = (encoding: string, data: string) => ({ metadata: { encoding: b64(encoding) }, data: b64(data) });

/** A history as historyToJSON spells it, with the given events after a plain, leak-free start. */
function history(...events: object[]): string {
  return JSON.stringify({
    events: [
      {
        eventId: '1',
        eventTime: '2026-12-02T17:54:15.407244000Z',
        taskId: '1407244',
        workflowExecutionStartedEventAttributes: {
          identity: '21268@vm-0bc7779c407244e29b91dc35d',
          originalExecutionRunId: '8a891032-ed24-48b6-a407-244e29b91dc3',
          input: { payloads: [payload(ENCODING_ENCRYPTED, `ciphertext ${b64(`x${CODE}`)} ${b64(`xx${CODE}`)}`)] },
        },
      },
      ...events,
    ],
  });
}

describe('secret guard', () => {
  test('six digits inside identifiers, times and ciphertext are not an OTP code', () => {
    expect(findHistoryLeaks(history(), SECRETS, 'history')).toEqual([]);
  });

  test('a code in a failure message is found, and the report masks it', () => {
    const leaks = findHistoryLeaks(
      history({ activityTaskFailedEventAttributes: { failure: { message: `Vlens rejected code ${CODE}` } } }),
      SECRETS,
      'history',
    );
    expect(leaks).toEqual([{ where: 'history', secretKind: 'OTP code', excerpt: expect.stringContaining('******') }]);
    expect(leaks[0]?.excerpt).not.toContain(CODE);
  });

  test('a payload written without encryption is read: a code inside it is found', () => {
    const plain = payload('json/plain', JSON.stringify({ code: CODE }));
    expect(
      findHistoryLeaks(
        history({ workflowExecutionSignaledEventAttributes: { input: { payloads: [plain] } } }),
        SECRETS,
        'h',
      ),
    ).toMatchObject([{ secretKind: 'OTP code' }]);
  });

  test('a long secret is still looked for inside ciphertext, at every alignment', () => {
    for (const prefix of ['', 'x', 'xy']) {
      const sealed = payload(ENCODING_ENCRYPTED, `${prefix}${TOKEN}`);
      const leaks = findHistoryLeaks(
        history({ activityTaskScheduledEventAttributes: { input: { payloads: [sealed] } } }),
        SECRETS,
        'h',
      );
      expect(leaks).toMatchObject([{ secretKind: 'access token' }]);
    }
  });

  test('log text: a code on its own is found, inside a run id it is not', () => {
    expect(findLeaks(`{"message":"validated","runId":"0bc7779c-${CODE}ab"}`, SECRETS, 'logs')).toEqual([]);
    expect(findLeaks(`{"message":"otp=${CODE}"}`, SECRETS, 'logs')).toMatchObject([{ secretKind: 'OTP code' }]);
  });
});

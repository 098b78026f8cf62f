/**
 * The Ditto Protocol mapping of @egiz/core against Ditto's own examples: every JSON sample of the
 * reference digest (../shared/reference/ditto-examples.md) is parsed and checked, and responses,
 * events and errors are formatted back to exactly the sample. When Ditto's repository mirror is
 * present, every generated protocol example of it (things and policies: commands, responses,
 * events, errors, announcements) is put through the same round trip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ackResultsOf,
  combinedAckStatus,
  envelopeJson,
  messageEnvelope,
  parseSignal,
  policyAnnouncementEnvelope,
  policyErrorEnvelope,
  policyResponseEnvelope,
  retrieveThingsResponseEnvelope,
  thingErrorEnvelope,
  thingEventEnvelope,
  thingResponseEnvelope,
  type DittoEnvelope,
  type DittoErrorJson,
  type JsonObject,
  type ProtocolSignal,
  type ThingEvent,
} from '@egiz/core';

const DIGEST = [
  process.env.EGIZ_DITTO_EXAMPLES,
  resolve(import.meta.dirname, '../../shared/reference/ditto-examples.md'),
  '/work/shared/reference/ditto-examples.md',
].find((p): p is string => typeof p === 'string' && existsSync(p));

/** `### 2.4 Title` headings with the first JSON block below each. */
function digestExamples(text: string): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  const re = /^### (\d+\.\d+) [^\n]*\n[\s\S]*?```json\n([\s\S]*?)```/gm;
  for (const m of text.matchAll(re)) out.set(m[1] as string, JSON.parse(m[2] as string) as JsonObject);
  return out;
}

/** Formats a parsed signal back into an envelope with Egiz's formatters (server-sent kinds only). */
function reformat(s: ProtocolSignal, e: DittoEnvelope): DittoEnvelope | undefined {
  switch (s.kind) {
    case 'thing-response':
      return thingResponseEnvelope({ ...s, headers: e.headers });
    case 'thing-event': {
      const event: ThingEvent = {
        type: `things.events:x${s.action}`,
        action: s.action === 'migrated' ? 'modified' : s.action,
        thingId: s.thingId,
        path: s.path,
        ...(s.value !== undefined ? { value: s.value } : {}),
        revision: s.revision ?? 0,
        timestamp: s.timestamp ?? '',
      };
      const env = thingEventEnvelope(event, {
        channel: s.channel,
        headers: e.headers,
        ...(s.extra ? { extra: s.extra } : {}),
        ...(s.value !== undefined ? { value: s.value } : {}),
      });
      const { timestamp: _t, ...rest } = env;
      return s.timestamp !== undefined ? env : rest;
    }
    case 'thing-error':
      return thingErrorEnvelope({
        thingId: s.thingId,
        channel: s.channel,
        error: s.error as unknown as DittoErrorJson,
        headers: e.headers,
        path: e.path,
      });
    case 'policy-response':
      return policyResponseEnvelope({ ...s, headers: e.headers });
    case 'policy-error':
      return policyErrorEnvelope({
        policyId: s.policyId,
        error: s.error as unknown as DittoErrorJson,
        headers: e.headers,
      });
    case 'policy-announcement':
      return policyAnnouncementEnvelope({ ...s, value: s.value as JsonObject, headers: e.headers });
    case 'message':
      return messageEnvelope({
        address: s,
        ...(s.value !== undefined ? { value: s.value } : {}),
        ...(s.status !== undefined ? { status: s.status } : {}),
        headers: e.headers,
      });
    default:
      return undefined;
  }
}

function roundTrip(json: JsonObject): ProtocolSignal {
  const { envelope, signal } = parseSignal(json);
  const formatted = reformat(signal, envelope);
  if (formatted) expect(envelopeJson(formatted)).toEqual(json);
  return signal;
}

describe.skipIf(DIGEST === undefined)('Ditto Protocol examples of the reference digest', () => {
  const ex = digestExamples(readFileSync(DIGEST as string, 'utf8'));
  const get = (n: string): JsonObject => {
    const e = ex.get(n);
    if (!e) throw new Error(`example ${n} is missing from the digest`);
    return e;
  };

  it('finds the examples', () => {
    expect(ex.size).toBeGreaterThanOrEqual(16);
  });

  it('2.1 ModifyFeatureProperty is a modify command on a feature property', () => {
    expect(roundTrip(get('2.1'))).toEqual({
      kind: 'thing-command',
      channel: 'twin',
      action: 'modify',
      thingId: 'org.eclipse.ditto:fancy-thing',
      path: '/features/accelerometer/properties/x',
      resource: {
        kind: 'featureProperty',
        pointer: ['features', 'accelerometer', 'properties', 'x'],
        featureId: 'accelerometer',
        subPointer: ['x'],
      },
      value: 42,
      headers: { 'correlation-id': '<command-correlation-id>' },
    });
  });

  it('2.2, 2.6 and 2.8 responses round-trip with their status', () => {
    expect(roundTrip(get('2.2'))).toMatchObject({ kind: 'thing-response', action: 'modify', status: 204 });
    expect(roundTrip(get('2.6'))).toMatchObject({ kind: 'thing-response', action: 'create', status: 201 });
    expect(roundTrip(get('2.8'))).toMatchObject({ kind: 'thing-response', action: 'retrieve', status: 200 });
  });

  it('2.3 and 2.15 events round-trip, with revision and extra', () => {
    expect(roundTrip(get('2.3'))).toMatchObject({
      kind: 'thing-event',
      action: 'modified',
      revision: 1,
      value: 42,
    });
    expect(roundTrip(get('2.15'))).toMatchObject({
      kind: 'thing-event',
      revision: 34,
      extra: { attributes: { location: 'Kitchen' } },
    });
  });

  it('2.4 the thing-not-found error round-trips with status in envelope and value', () => {
    expect(roundTrip(get('2.4'))).toMatchObject({
      kind: 'thing-error',
      status: 404,
      thingId: 'org.eclipse.ditto:fancy-thing',
    });
  });

  it('2.5 CreateThing and 2.7 RetrieveThing are commands on the whole Thing', () => {
    expect(roundTrip(get('2.5'))).toMatchObject({
      kind: 'thing-command',
      action: 'create',
      resource: { kind: 'thing' },
    });
    expect(roundTrip(get('2.7'))).toMatchObject({ kind: 'thing-command', action: 'retrieve', path: '/' });
  });

  it('2.9 to 2.12 search protocol messages are recognised as search', () => {
    for (const n of ['2.9', '2.10', '2.11', '2.12']) expect(roundTrip(get(n)).kind).toBe('search');
  });

  it('2.13 a live message to the inbox', () => {
    expect(roundTrip(get('2.13'))).toMatchObject({
      kind: 'message',
      thingId: 'org.eclipse.ditto:smartcoffee',
      mailbox: 'inbox',
      subject: 'ask',
      value: 'Hey, how are you?',
    });
  });

  it('2.14 a policy announcement round-trips', () => {
    expect(roundTrip(get('2.14'))).toMatchObject({ kind: 'policy-announcement', name: 'subjectDeletion' });
  });

  it('2.16 a command with a condition header keeps the header', () => {
    expect(roundTrip(get('2.16'))).toMatchObject({
      kind: 'thing-command',
      headers: { condition: 'gt(features/temperature/properties/lastModified,2021-08-10T15:10:02.592Z)' },
    });
  });

  it('3.3 aggregated acknowledgements read back with an overall 200', () => {
    const results = ackResultsOf(get('3.3'));
    expect([...results.keys()]).toEqual(['twin-persisted', 'my-custom-ack']);
    expect(combinedAckStatus([...results.values()])).toBe(200);
  });

  it('retrieving several things answers on the namespace/_ topic', () => {
    const env = retrieveThingsResponseEnvelope({ namespace: 'org.eclipse.ditto', things: [], headers: {} });
    expect(env.topic).toBe('org.eclipse.ditto/_/things/twin/commands/retrieve');
  });
});

const MIRROR = process.env.EGIZ_DITTO_REPO ?? '/work/.mirror/eclipse-ditto+ditto/repo';
const EXAMPLES = 'documentation/src/main/resources/pages/ditto/protocol/examples';

function mirrorExamples(): { file: string; json: JsonObject }[] {
  if (!existsSync(MIRROR)) return [];
  let files: string[];
  try {
    files = execFileSync('git', ['-C', MIRROR, 'ls-tree', '-r', '--name-only', 'HEAD', EXAMPLES], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => /\/(things|policies)\/generated\/(commands|events|exceptions|announcements)\//.test(f));
  } catch {
    return [];
  }
  const out: { file: string; json: JsonObject }[] = [];
  for (const file of files) {
    const text = execFileSync('git', ['-C', MIRROR, 'show', `HEAD:${file}`], { encoding: 'utf8' }).replace(
      /\{%\s*raw\s*%\}|\{%\s*endraw\s*%\}/g,
      '',
    );
    for (const m of text.matchAll(/```json\n([\s\S]*?)```/g)) {
      try {
        out.push({ file: file.slice(EXAMPLES.length + 1), json: JSON.parse(m[1] as string) as JsonObject });
      } catch {
        // Not JSON (a template fragment); nothing to check.
      }
    }
  }
  return out;
}

const mirrored = mirrorExamples();

describe.skipIf(mirrored.length === 0)("Ditto's generated protocol examples (repository mirror)", () => {
  it(`parses all ${mirrored.length} of them and formats every response, event and error back exactly`, () => {
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    for (const { file, json } of mirrored) {
      try {
        const s = roundTrip(json);
        kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
      } catch (e) {
        failures.push(`${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    }
    expect(failures).toEqual([]);
    for (const k of [
      'thing-command',
      'thing-response',
      'thing-event',
      'thing-error',
      'policy-command',
      'policy-response',
      'policy-error',
    ])
      expect(kinds.get(k) ?? 0).toBeGreaterThan(0);
  });
});

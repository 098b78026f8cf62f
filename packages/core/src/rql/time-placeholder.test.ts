/** @module Tests of the time placeholder grammar and its resolution against a fixed instant. */
import { describe, expect, it } from 'vitest';
import { isTimePlaceholderName, resolveRqlPlaceholder } from './time-placeholder.js';

const NOW = new Date('2024-06-13T14:23:42.123Z'); // a Thursday
const resolve = (name: string): string | number | undefined =>
  resolveRqlPlaceholder({ kind: 'placeholder', name }, NOW);

describe('resolveRqlPlaceholder', () => {
  it.each([
    ['time:now', '2024-06-13T14:23:42.123Z'],
    ['time:now_epoch_millis', NOW.getTime()],
    ['time:now+1h', '2024-06-13T15:23:42.123Z'],
    ['time:now-25m', '2024-06-13T13:58:42.123Z'],
    ['time:now-30', '2024-06-13T14:23:12.123Z'],
    ['time:now+500ms', '2024-06-13T14:23:42.623Z'],
    ['time:now+2d', '2024-06-15T14:23:42.123Z'],
    ['time:now-1w', '2024-06-06T14:23:42.123Z'],
    ['time:now[ms]', '2024-06-13T14:23:42.123Z'],
    ['time:now[s]', '2024-06-13T14:23:42.000Z'],
    ['time:now[m]', '2024-06-13T14:23:00.000Z'],
    ['time:now[h]', '2024-06-13T14:00:00.000Z'],
    ['time:now[d]', '2024-06-13T00:00:00.000Z'],
    ['time:now[w]', '2024-06-10T00:00:00.000Z'],
    ['time:now[mo]', '2024-06-01T00:00:00.000Z'],
    ['time:now[y]', '2024-01-01T00:00:00.000Z'],
    ['time:now+1d[d]', '2024-06-14T00:00:00.000Z'],
    ['time:now-1y[y]', '2023-01-01T00:00:00.000Z'],
    ['time:now_epoch_millis-1s', NOW.getTime() - 1000],
    ['time:now_epoch_millis[d]', Date.UTC(2024, 5, 13)],
    ['time:now+999999999999y', undefined],
    ['time:later', undefined],
  ])('%s', (name, expected) => {
    expect(resolve(name)).toBe(expected);
  });

  it('starts weeks on Monday, also on a Sunday and on a Monday', () => {
    const at = (iso: string): unknown =>
      resolveRqlPlaceholder({ kind: 'placeholder', name: 'time:now[w]' }, new Date(iso));
    expect(at('2024-06-16T23:59:59.999Z')).toBe('2024-06-10T00:00:00.000Z');
    expect(at('2024-06-10T00:00:00.000Z')).toBe('2024-06-10T00:00:00.000Z');
  });

  it('knows which names are placeholders', () => {
    for (const ok of ['time:now', 'time:now_epoch_millis', 'time:now-1mo', 'time:now+3[h]', 'time:now[w]']) {
      expect(isTimePlaceholderName(ok)).toBe(true);
    }
    for (const bad of [
      'time:',
      'time:nowx',
      'time:now-',
      'time:now-1x',
      'time:now[]',
      'time:now[d',
      'now',
      'topic:now',
    ]) {
      expect(isTimePlaceholderName(bad)).toBe(false);
    }
  });
});

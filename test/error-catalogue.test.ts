/** The error catalogue and its documentation stay in step: every code documented with its status. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DittoError, ERROR_CATALOGUE, type ErrorCode } from '@egiz/core';

const doc = readFileSync(resolve(import.meta.dirname, '../docs/errors.md'), 'utf8');

describe('error catalogue', () => {
  it('documents every code with its status in docs/errors.md, and nothing else', () => {
    const rows = [...doc.matchAll(/^\| `([^`]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    const expected = Object.entries(ERROR_CATALOGUE).map(([code, spec]) => [code, spec.status]);
    expect(rows.sort()).toEqual(expected.sort());
  });

  it('round-trips DittoError through JSON with the catalogue status and description', () => {
    for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
      const json = new DittoError(code, 'm').toJSON();
      expect(json.error).toBe(code);
      expect(json.status).toBe(ERROR_CATALOGUE[code].status);
      expect(json.description).toBe(ERROR_CATALOGUE[code].description);
    }
  });
});

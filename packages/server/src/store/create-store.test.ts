/** @module Which adapter each store URL selects. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStore } from './create-store.js';

describe('createStore', () => {
  it('defaults to the SQLite file in the data directory', () => {
    expect(createStore(undefined, '/data').dialect).toBe('sqlite');
    expect(createStore('', '/data').dialect).toBe('sqlite');
  });

  it('takes sqlite:<path> as a file path', () => {
    expect(createStore('sqlite:/tmp/x.sqlite', '/data').dialect).toBe('sqlite');
    expect(createStore('sqlite:relative.sqlite', '/data').dialect).toBe('sqlite');
    expect(createStore(`sqlite://${join('/tmp', 'x.sqlite')}`, '/data').dialect).toBe('sqlite');
  });

  it('takes postgres:// and postgresql:// as PostgreSQL', () => {
    expect(createStore('postgres://u@localhost/db', '/data').dialect).toBe('postgres');
    expect(createStore('postgresql://u@localhost/db?schema=egiz', '/data').dialect).toBe('postgres');
  });

  it('refuses anything else without echoing a password', () => {
    expect(() => createStore('mysql://u:secret@h/db', '/data')).toThrow(
      /unsupported store URL 'mysql:\/\/u:\*\*\*@h\/db'/,
    );
  });
});

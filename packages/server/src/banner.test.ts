import { describe, expect, it } from 'vitest';
import { publicUrl, startupBanner, storeLabel } from './banner.js';

const base = {
  host: '0.0.0.0',
  store: undefined,
  dataDir: './data',
  users: [{ username: 'ditto', password: 'ditto' }],
  defaultUsers: true,
  defaultDevopsPassword: true,
  seedExamples: false,
};
const abs = (p: string) => `/srv/egiz/${p.replace(/^\.\//, '')}`;

describe('startup banner', () => {
  it('names the address, the data file, the default credentials and the next commands', () => {
    const text = startupBanner(base, { boundUrl: 'http://0.0.0.0:8080', startedInMs: 812.4 }, abs);
    expect(text).toContain('Egiz listens on http://localhost:8080  (ready 812 ms after launch)');
    expect(text).toContain('Data       /srv/egiz/data/egiz.sqlite');
    expect(text).toContain('Login      ditto / ditto  (DEFAULT credentials');
    expect(text).toContain('Devops     devops / foobar  (DEFAULT password');
    expect(text).toContain('npx egiz login --user ditto      # password: ditto');
    expect(text).toContain('npx egiz examples seed');
    expect(text).toContain('npx egiz watch --namespaces egiz.examples');
  });

  it('with own users shows no password, adds --url off the default port, and skips seeding when done', () => {
    const text = startupBanner(
      {
        ...base,
        users: [
          { username: 'alice', password: 's3cret' },
          { username: 'bob', password: 'pw2' },
        ],
        defaultUsers: false,
        defaultDevopsPassword: false,
        seedExamples: true,
      },
      { boundUrl: 'http://127.0.0.1:9090', startedInMs: 5 },
      abs,
    );
    expect(text).not.toMatch(/s3cret|pw2|DEFAULT|foobar/);
    expect(text).toContain('Users      alice, bob  (from EGIZ_USERS)');
    expect(text).toContain('Examples   namespace egiz.examples, owned by nginx:alice');
    expect(text).toContain('npx egiz login --url http://localhost:9090 --user alice');
    expect(text).not.toContain('examples seed');
  });

  it('keeps a PostgreSQL password out, and shows a specific bind address as it is', () => {
    expect(storeLabel({ store: 'postgres://egiz:hunter2@db:5432/twins', dataDir: '.' }, abs)).toBe(
      'PostgreSQL postgres://egiz:***@db:5432/twins',
    );
    expect(storeLabel({ store: 'sqlite:./x.sqlite', dataDir: '.' }, abs)).toBe('/srv/egiz/x.sqlite');
    expect(publicUrl({ host: '10.1.2.3' }, 'http://10.1.2.3:8080')).toBe('http://10.1.2.3:8080');
  });
});

/**
 * @module Baseline: the floor Egiz is compared with. A bare Fastify server (the same Fastify Egiz
 * runs on) doing exactly ONE better-sqlite3 statement per request on a table with a JSON column,
 * with Egiz's durability (WAL, synchronous=FULL, same page cache size). No auth, no policies, no
 * journal, no cache, no batching: whatever Egiz does beyond this is its overhead, and whatever it
 * does better (group commit) shows as a ratio above 1.
 *
 *   PUT /api/2/things/:id                                 upsert of the whole document
 *   PUT /api/2/things/:id/features/:f/properties/:p       upsert with json_set of one property
 *   GET /api/2/things/:id                                 SELECT by primary key, the stored text as is
 *   GET /ready                                            200
 *
 * Env: BASELINE_DATA_DIR (required), BASELINE_PORT (0 = any). Prints "baseline listens on http://127.0.0.1:<port>".
 */
import process from 'node:process';
import { join } from 'node:path';
import { loadFastify, loadSqlite } from '../lib/server-deps.js';

const Fastify = loadFastify();
const Database = loadSqlite();

const dir = process.env.BASELINE_DATA_DIR;
if (!dir) {
  process.stderr.write('BASELINE_DATA_DIR is required\n');
  process.exit(2);
}

const db = new Database(join(dir, 'baseline.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('cache_size = -65536');
db.exec(`CREATE TABLE IF NOT EXISTS things (
  id TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  value TEXT NOT NULL
)`);

const putThing = db.prepare(
  `INSERT INTO things (id, revision, value) VALUES (?, 1, ?)
   ON CONFLICT(id) DO UPDATE SET value = excluded.value, revision = revision + 1`,
);
// One upsert: a missing thing is created holding just the property, an existing one gets it set.
const putProperty = db.prepare(
  `INSERT INTO things (id, revision, value)
     VALUES (@id, 1, json_object('thingId', @id, 'features', json_object(@feature, json_object('properties', json_object(@prop, json(@value))))))
   ON CONFLICT(id) DO UPDATE SET value = json_set(value, @path, json(@value)), revision = revision + 1`,
);
const getThing = db.prepare('SELECT value FROM things WHERE id = ?').pluck();

const app = Fastify({ logger: false });

app.get('/ready', (_req, reply) => reply.send({ status: 'UP' }));

app.put('/api/2/things/:id', (req, reply) => {
  const { id } = req.params;
  const text = JSON.stringify({ thingId: id, ...req.body });
  putThing.run(id, text);
  return reply.code(201).type('application/json').send(text);
});

app.put('/api/2/things/:id/features/:feature/properties/:prop', (req, reply) => {
  const { id, feature, prop } = req.params;
  const path = `$.features.${JSON.stringify(feature)}.properties.${JSON.stringify(prop)}`;
  putProperty.run({ id, feature, prop, value: JSON.stringify(req.body), path });
  return reply.code(204).send();
});

app.get('/api/2/things/:id', (req, reply) => {
  const text = getThing.get(req.params.id);
  if (text === undefined) return reply.code(404).send({ status: 404, error: 'things:thing.notfound' });
  return reply.type('application/json').send(text);
});

const stop = () => {
  app.close().then(
    () => {
      db.close();
      process.exit(0);
    },
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.BASELINE_PORT ?? 0) });
process.stdout.write(`baseline listens on ${address}\n`);

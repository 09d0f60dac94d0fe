// The PostgreSQL side of the synchronous registry bridge (bridge.ts). It owns the `pg` clients, so
// the console's thread can block on Atomics.wait while this thread's event loop does the I/O.
// Plain JavaScript: a worker starts from a file Node can load without a TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';

const { config, signal: signalBuffer, port } = workerData;
const signal = new Int32Array(signalBuffer);
// bigint columns (timestamps in ms, counts, audit seq) fit a JS number: read them as numbers.
const types = {
  getTypeParser: (oid, format) => (oid === 20 ? (v) => Number(v) : pg.types.getTypeParser(oid, format)),
};

let main = null;
let listener = null;
let lost = null;

function reply(message) {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function errorOf(error) {
  return {
    message: String(error?.message ?? error),
    code: typeof error?.code === 'string' ? error.code : null,
  };
}

// libpq's sslmode, per connection: verify-full checks chain and name, verify-ca the chain only.
function clientConfig() {
  const { sslmode, ca, ...rest } = config;
  if (sslmode === 'disable') return { ...rest, ssl: false };
  const ssl = { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  if (sslmode === 'verify-ca') ssl.checkServerIdentity = () => undefined;
  return { ...rest, ssl };
}

async function connect() {
  const client = new pg.Client({ ...clientConfig(), types });
  client.on('error', (error) => {
    // The server went away between queries: remembered, and reported to the next request.
    lost = error;
    if (main === client) main = null;
  });
  await client.connect();
  return client;
}

async function query(request) {
  if (!main) {
    // Never reconnect inside a transaction: its next statement would silently run outside it.
    if (request.inTx)
      throw Object.assign(new Error(`connection lost${lost ? `: ${lost.message}` : ''}`), { code: '08006' });
    main = await connect();
    lost = null;
  }
  const result = await main.query(request.sql, request.params);
  return { rows: result.rows ?? [], rowCount: result.rowCount ?? 0 };
}

async function listen(channel) {
  listener = await connect();
  listener.on('notification', (n) => parentPort.postMessage({ notify: n.channel, payload: n.payload ?? '' }));
  listener.on('error', (error) => parentPort.postMessage({ notifyError: String(error.message) }));
  await listener.query(`LISTEN ${pg.Client.prototype.escapeIdentifier(channel)}`);
}

parentPort.on('message', async (request) => {
  try {
    if (request.op === 'query') reply({ ok: true, ...(await query(request)) });
    else if (request.op === 'listen') {
      await listen(request.channel);
      reply({ ok: true, rows: [], rowCount: 0 });
    } else if (request.op === 'close') {
      await Promise.allSettled([main?.end(), listener?.end()]);
      main = listener = null;
      reply({ ok: true, rows: [], rowCount: 0 });
    } else reply({ ok: false, error: { message: `unknown request ${request.op}`, code: null } });
  } catch (error) {
    if (main && request.op === 'query' && error?.code === undefined) {
      // Not a server error (socket closed, timeout): the connection is in an unknown state.
      main.end().catch(() => {});
      main = null;
    }
    reply({ ok: false, error: errorOf(error) });
  }
});

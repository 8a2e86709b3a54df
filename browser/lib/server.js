// Starts a throw-away Ribambelle server for one test file:
// demo data, its own temporary data dir, a free loopback port.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const browserDir = fileURLToPath(new URL('..', import.meta.url));
const defaultBin = resolve(browserDir, '../target/debug/ribambelle');
const startupTimeoutMs = 60_000;

// Ask the OS for a free port, then release it for the server.
// (Tiny race window, acceptable since tests run one file at a time.)
function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The date sweep's instant, RFC 3339 in UTC (« 2027-03-28T08:00:00Z »): each server's
// clock starts there, and `portalNow()` follows it so that tests count days as it does.
const sweepInstant = process.env.RIBAMBELLE_TEST_NOW || '';
if (sweepInstant && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(sweepInstant)) {
  throw new Error(`RIBAMBELLE_TEST_NOW must be an instant such as 2027-03-28T08:00:00Z, not « ${sweepInstant} »`);
}
let lastStart = Date.now();

// « Now » on the clock of the servers started last.
export function portalNow() {
  return sweepInstant ? new Date(Date.parse(sweepInstant) + (Date.now() - lastStart)) : new Date();
}

// The binary under test: RIBAMBELLE_BIN, or the workspace's debug build.
export const ribambelleBin = process.env.RIBAMBELLE_BIN ? resolve(process.env.RIBAMBELLE_BIN) : defaultBin;

// `options.args` and `options.env` are added to the server's command line and environment
// (the opening-morning test narrows the password queue).
export async function startServer(options = {}) {
  const bin = ribambelleBin;
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'ribambelle-browser-'));

  const env = { ...process.env, RIBAMBELLE_PUBLIC_URL: baseUrl, ...(options.env ?? {}) };
  delete env.RIBAMBELLE_CLOCK_START;
  if (sweepInstant) env.RIBAMBELLE_CLOCK_START = sweepInstant;
  lastStart = Date.now();
  const child = spawn(
    bin,
    ['serve', '--demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...(options.args ?? [])],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );

  // Keep the output so a failed start explains itself. stdout is kept too
  // because Rust loggers (tracing's fmt layer) write there by default.
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  let exited = null;
  const exitPromise = new Promise((r) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      r();
    });
  });
  let spawnError = null;
  child.once('error', (err) => {
    spawnError = err;
  });

  const stop = async () => {
    if (!exited && !spawnError) {
      child.kill('SIGTERM');
      // A server that ignores SIGTERM must not hang the suite forever.
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitPromise;
      clearTimeout(killTimer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const fail = async (why) => {
    await stop();
    throw new Error(
      `Ribambelle server (${bin}) ${why}\n` +
        `--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`,
    );
  };

  const deadline = Date.now() + startupTimeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) return fail(`could not be spawned: ${spawnError.message}`);
    if (exited) {
      return fail(`exited early (code ${exited.code}, signal ${exited.signal})`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (res.status === 200) return { baseUrl, dataDir, stop };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  return fail(`did not answer 200 on /healthz within ${startupTimeoutMs / 1000} s`);
}

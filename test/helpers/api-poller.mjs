// A client that polls the apiserver through the cluster's endpoint the whole time: every
// INTERVAL ms, GET /readyz and GET /api/v1/nodes (what `kubectl get nodes` asks) with the admin's
// client certificate, each on a new connection (as separate kubectl runs are). Any error, timeout
// or status other than 200 is a failure, printed at once, except a /readyz answer from a backend
// that is shutting down gracefully (see below), counted as draining. On SIGTERM it prints a summary line
//   SUMMARY {"requests":N,"failures":N,...}
// and exits.
//   node api-poller.mjs BASE_URL CA CERT KEY INTERVAL_MS
import {readFileSync} from 'node:fs';
import {request} from 'node:https';

const [base, caFile, certFile, keyFile, interval] = process.argv.slice(2);
const tls = {ca: readFileSync(caFile), cert: readFileSync(certFile), key: readFileSync(keyFile)};
const stats = {requests: 0, failures: 0, draining: 0, byPath: {}, failed: [], started: Date.now(), slowestMs: 0};

function get(path) {
  const t0 = Date.now();
  return new Promise(resolve => {
    const req = request(new URL(path, base), {...tls, agent: false, timeout: 10_000}, res => {
      let body = '';
      res.on('data', d => { body += d; });
      res.on('end', () => {
        if (res.statusCode === 200) return resolve(null);
        // A backend that received SIGTERM answers /readyz with its shutdown check failing (and
        // every other check passing) until the balancer's next check drains it: that is the
        // signal the balancer drains on, from a server that is still up and serving; counted
        // apart. Anything else is a failure.
        const failing = body.match(/^\[-\]\S+/gm) ?? [];
        if (path === '/readyz' && res.statusCode === 500 && failing.length === 1 && failing[0] === '[-]shutdown') return resolve('draining');
        resolve(`HTTP ${res.statusCode} ${failing.join(' ')} ${body.slice(0, 200)}`);
      });
      res.on('error', e => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', e => resolve(e.message));
    req.end();
  }).then(error => {
    const ms = Date.now() - t0;
    stats.slowestMs = Math.max(stats.slowestMs, ms);
    stats.requests++;
    const p = (stats.byPath[path] ??= {requests: 0, failures: 0});
    p.requests++;
    if (error === 'draining') {
      stats.draining++;
      process.stdout.write(`${new Date().toISOString()} DRAINING ${path}\n`);
    } else if (error) {
      stats.failures++;
      p.failures++;
      const line = `${new Date().toISOString()} FAILED ${path}: ${error}`;
      if (stats.failed.length < 20) stats.failed.push(line);
      process.stdout.write(`${line}\n`);
    }
  });
}

let running = true;
process.on('SIGTERM', () => { running = false; });
while (running) {
  await get('/readyz');
  await get('/api/v1/nodes');
  process.stdout.write(`requests ${stats.requests}\n`);
  await new Promise(r => setTimeout(r, Number(interval)));
}
process.stdout.write(`SUMMARY ${JSON.stringify({...stats, durationMs: Date.now() - stats.started})}\n`);
process.exit(0);

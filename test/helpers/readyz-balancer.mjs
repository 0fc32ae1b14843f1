// A load balancer for the lab that behaves like HAProxy with `option httpchk GET /readyz` (or a
// cloud load balancer's health check): every INTERVAL ms it asks each backend's /readyz over
// HTTPS (verified with CA, read anew for each check so the operator can hand it a new trust
// bundle during a CA rotation; no client certificate: /readyz is public), marks a backend down at the
// first failed check and up again after two passed ones, and sends each new connection to the
// next healthy backend only. No retry to another backend once a connection was sent: a backend
// that refuses it fails that client, as HAProxy without `option redispatch` does. With no
// healthy backend the client's connection is closed. Runs inside the endpoint's network namespace.
//   node readyz-balancer.mjs LISTEN_HOST LISTEN_PORT CA INTERVAL_MS TARGET_HOST:PORT...
import {createServer, connect} from 'node:net';
import {readFileSync} from 'node:fs';
import {request} from 'node:https';

const [host, port, caFile, interval, ...targets] = process.argv.slice(2);
const RISE = 2;
const FALL = 1;
const backends = targets.map(t => {
  const [h, p] = t.split(/:(?=\d+$)/);
  return {name: t, host: h.replace(/^\[|\]$/g, ''), port: Number(p), up: false, passed: 0, failed: 0};
});
const log = line => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function check(b) {
  return new Promise(resolve => {
    const req = request({host: b.host, port: b.port, path: '/readyz', ca: readFileSync(caFile), agent: false, timeout: Number(interval) * 2}, res => {
      let body = '';
      res.on('data', d => { body += d; });
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'ok'));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function checkLoop(b) {
  for (;;) {
    const ok = await check(b);
    if (ok) { b.passed++; b.failed = 0; } else { b.failed++; b.passed = 0; }
    if (!b.up && b.passed >= RISE) { b.up = true; log(`UP ${b.name}`); }
    if (b.up && b.failed >= FALL) { b.up = false; log(`DOWN ${b.name}`); }
    await new Promise(r => setTimeout(r, Number(interval)));
  }
}

let next = 0;
createServer({pauseOnConnect: true}, client => {
  const healthy = backends.filter(b => b.up);
  if (healthy.length === 0) { log('no healthy backend: connection closed'); client.destroy(); return; }
  const b = healthy[(next++) % healthy.length];
  const upstream = connect({host: b.host, port: b.port});
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
  client.once('error', () => upstream.destroy());
  client.once('close', () => upstream.destroy());
  // A refused or failed connect fails this client (logged); errors after it are the client's own hang-up.
  upstream.once('error', e => { if (!connected) log(`connection to ${b.name} failed: ${e.message}`); client.destroy(); });
  upstream.once('close', () => client.destroy());
}).listen(Number(port), host, () => {
  log(`balancing ${host}:${port}`);
  for (const b of backends) void checkLoop(b);
});

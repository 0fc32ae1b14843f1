// A client of the apiserver with one identity, polling through the cluster's endpoint for as
// long as it runs. Every INTERVAL ms one request, each on a new connection; after each it
// prints its running count
//   count REQUESTS FAILURES
// and each failure (any error, timeout, or status other than 200) as
//   FAILED ISO-TIME what
// MODE says where its identity comes from, as the client it stands for takes it:
//   kubectl   runs KUBECTL --kubeconfig FILE get nodes: kubectl reads FILE on every run, as a
//             user's kubectl does (the user copies a new kubeconfig over FILE). PATH_OR_KUBECTL: the real kubectl.
//   once      reads the kubeconfig FILE (client certificate, or token) once at start, as a kubelet
//             reads its kubeconfig: it takes new files only when restarted. GET PATH_OR_KUBECTL.
//   reload    reads the kubeconfig FILE before every request, as a pod's client reads its
//             projected token and ca.crt, which the kubelet refreshes. GET PATH_OR_KUBECTL.
// SIGTERM prints the last count and exits.
//   node identity-poller.mjs MODE FILE PATH_OR_KUBECTL INTERVAL_MS
import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {request} from 'node:https';
import {parse} from 'yaml';

const [mode, file, target, interval] = process.argv.slice(2);
let requests = 0;
let failures = 0;

/** The server, CA and credentials of a kubeconfig's current context. */
function identity() {
  const config = parse(readFileSync(file, 'utf8'));
  const context = config.contexts.find(c => c.name === config['current-context']).context;
  const cluster = config.clusters.find(c => c.name === context.cluster).cluster;
  const user = config.users.find(u => u.name === context.user).user;
  const b64 = s => (s ? Buffer.from(s, 'base64') : undefined);
  return {
    server: cluster.server, ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']), token: user.token,
  };
}

function get(id) {
  return new Promise(resolve => {
    const headers = id.token ? {authorization: `Bearer ${id.token}`} : {};
    const req = request(new URL(target, id.server), {ca: id.ca, cert: id.cert, key: id.key, headers, agent: false, timeout: 10_000}, res => {
      let body = '';
      res.on('data', d => { body += d; });
      res.on('end', () => resolve(res.statusCode === 200 ? null : `HTTP ${res.statusCode} ${body.slice(0, 300)}`));
      res.on('error', e => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', e => resolve(`${e.code ?? ''} ${e.message}`));
    req.end();
  });
}

function kubectl() {
  return new Promise(resolve => {
    execFile(target, [`--kubeconfig=${file}`, '--request-timeout=10s', 'get', 'nodes', '-o', 'name'], {timeout: 20_000}, (error, _stdout, stderr) => {
      resolve(error ? `kubectl get nodes: ${String(stderr).trim().split('\n').at(-1) || error.message}` : null);
    });
  });
}

const loaded = mode === 'once' ? identity() : undefined;
let running = true;
process.on('SIGTERM', () => { running = false; });
while (running) {
  let error;
  try {
    error = mode === 'kubectl' ? await kubectl() : await get(loaded ?? identity());
  } catch (e) {
    error = `reading ${file}: ${e.message}`;
  }
  requests++;
  if (error) {
    failures++;
    process.stdout.write(`FAILED ${new Date().toISOString()} ${error.replace(/\s+/g, ' ')}\n`);
  }
  process.stdout.write(`count ${requests} ${failures}\n`);
  await new Promise(r => setTimeout(r, Number(interval)));
}
process.stdout.write(`count ${requests} ${failures}\n`);
process.exit(0);

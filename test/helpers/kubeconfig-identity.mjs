// Who a kubeconfig is to the apiserver: reads the kubeconfig (embedded CA, client certificate and
// key, as kubepki writes them), asks its server for a SelfSubjectReview with that certificate and
// returns the username with the certificate's serial. The stand-ins call it when they start, as
// the component they stand in for first talks to the apiserver with its kubeconfig.
import {readFileSync} from 'node:fs';
import {request} from 'node:https';
import {X509Certificate} from 'node:crypto';
import {parse} from 'yaml';

export async function kubeconfigIdentity(file) {
  const config = parse(readFileSync(file, 'utf8'));
  const context = config.contexts.find(c => c.name === config['current-context']).context;
  const cluster = config.clusters.find(c => c.name === context.cluster).cluster;
  const user = config.users.find(u => u.name === context.user).user;
  const b64 = s => Buffer.from(s, 'base64');
  const cert = b64(user['client-certificate-data']);
  const body = JSON.stringify({apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'});
  const answer = await new Promise((resolve, reject) => {
    const req = request(new URL('/apis/authentication.k8s.io/v1/selfsubjectreviews', cluster.server), {
      method: 'POST', ca: b64(cluster['certificate-authority-data']), cert, key: b64(user['client-key-data']),
      headers: {'content-type': 'application/json'}, agent: false, timeout: 10_000,
    }, res => {
      let text = '';
      res.on('data', d => { text += d; });
      res.on('end', () => (res.statusCode === 201 || res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`HTTP ${res.statusCode} ${text.slice(0, 300)}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
  return {username: answer.status.userInfo.username, serial: new X509Certificate(cert).serialNumber};
}

/** Asks until it answers (a restart may meet an apiserver draining), at most `ms`; logs the answer as "identity USER serial S". */
export async function logIdentity(file, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const {username, serial} = await kubeconfigIdentity(file);
      process.stdout.write(`identity ${username} serial ${serial}\n`);
      return;
    } catch (error) {
      if (Date.now() > deadline) { process.stdout.write(`identity failed: ${error.message}\n`); process.exit(1); }
      await new Promise(r => setTimeout(r, 500));
    }
  }
}

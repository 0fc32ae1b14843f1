// Stands in for a kubelet's HTTPS API on port 10250: presents the node's kubelet serving
// certificate and accepts only clients with a certificate from the cluster CA, as the kubelet's
// authentication.x509.clientCAFile does. Answers /healthz with "ok" and names the caller.
// With HEALTHZ_PORT, also the kubelet's plain healthz on 127.0.0.1:HEALTHZ_PORT (10248), which
// restart steps check. With KUBECONFIG, first authenticates to the apiserver with the kubelet's
// kubeconfig, as a kubelet does when it starts (logs "identity USER serial S"). SIGTERM stops it.
//   node kubelet-standin.mjs CERT KEY CLIENT_CA HOST PORT [HEALTHZ_PORT [KUBECONFIG]]
import {createServer} from 'node:https';
import {createServer as createHttpServer} from 'node:http';
import {readFileSync} from 'node:fs';
import {logIdentity} from './kubeconfig-identity.mjs';

const [cert, key, ca, host, port, healthzPort, kubeconfig] = process.argv.slice(2);
if (kubeconfig) await logIdentity(kubeconfig);
createServer({cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true}, (req, res) => {
  const peer = req.socket.getPeerCertificate();
  const path = new URL(req.url, 'https://kubelet').pathname;
  process.stdout.write(`request ${req.method} ${path} from CN=${peer.subject?.CN}\n`);
  res.writeHead(path === '/healthz' ? 200 : 404, {'content-type': 'text/plain'});
  res.end(path === '/healthz' ? 'ok' : 'not found');
}).listen(Number(port), host, () => process.stdout.write(`kubelet stand-in on ${host}:${port}\n`));
if (healthzPort) {
  createHttpServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, {'content-type': 'text/plain'});
    res.end(req.url === '/healthz' ? 'ok' : 'not found');
  }).listen(Number(healthzPort), '127.0.0.1', () => process.stdout.write(`kubelet healthz on 127.0.0.1:${healthzPort}\n`));
}

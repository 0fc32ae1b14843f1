// Stands in for a kubelet's HTTPS API on port 10250: presents the node's kubelet serving
// certificate and accepts only clients with a certificate from the cluster CA, as the kubelet's
// authentication.x509.clientCAFile does. Answers /healthz with "ok" and names the caller.
//   node kubelet-standin.mjs CERT KEY CLIENT_CA HOST PORT
import {createServer} from 'node:https';
import {readFileSync} from 'node:fs';

const [cert, key, ca, host, port] = process.argv.slice(2);
createServer({cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true}, (req, res) => {
  const peer = req.socket.getPeerCertificate();
  const path = new URL(req.url, 'https://kubelet').pathname;
  process.stdout.write(`request ${req.method} ${path} from CN=${peer.subject?.CN}\n`);
  res.writeHead(path === '/healthz' ? 200 : 404, {'content-type': 'text/plain'});
  res.end(path === '/healthz' ? 'ok' : 'not found');
}).listen(Number(port), host, () => process.stdout.write(`kubelet stand-in on ${host}:${port}\n`));

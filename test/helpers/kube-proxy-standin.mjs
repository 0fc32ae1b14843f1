// Stands in for kube-proxy's use of its files: reads its kubeconfig and authenticates to the
// apiserver with it (logs "identity USER serial S"), then answers kube-proxy's healthz on
// 127.0.0.1:HEALTHZ_PORT (10256), which restart steps check. SIGTERM stops it.
//   node kube-proxy-standin.mjs KUBECONFIG HEALTHZ_PORT
import {createServer} from 'node:http';
import {logIdentity} from './kubeconfig-identity.mjs';

const [kubeconfig, healthzPort] = process.argv.slice(2);
await logIdentity(kubeconfig);
createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, {'content-type': 'text/plain'});
  res.end(req.url === '/healthz' ? 'ok' : 'not found');
}).listen(Number(healthzPort), '127.0.0.1', () => process.stdout.write(`kube-proxy healthz on 127.0.0.1:${healthzPort}\n`));
process.on('SIGTERM', () => process.exit(0));

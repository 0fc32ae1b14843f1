// A load balancer for the lab: accepts on LISTEN (host:port) and forwards each connection to the
// first of the TARGETS that accepts it. Runs inside the endpoint's network namespace.
//   node tcp-forward.mjs LISTEN_HOST LISTEN_PORT TARGET_HOST:PORT...
import {createServer, connect} from 'node:net';

const [host, port, ...targets] = process.argv.slice(2);
let next = 0;
function dial(client, tries) {
  const [h, p] = targets[(next++) % targets.length].split(/:(?=\d+$)/);
  const upstream = connect({host: h.replace(/^\[|\]$/g, ''), port: Number(p)});
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  // A target that is down: try the next one (an apiserver not started yet is not an error).
  upstream.once('error', () => {
    if (connected) return;
    if (tries > 1) dial(client, tries - 1);
    else client.destroy();
  });
}
createServer({pauseOnConnect: true}, client => dial(client, targets.length))
  .listen(Number(port), host, () => process.stdout.write(`forwarding ${host}:${port}\n`));

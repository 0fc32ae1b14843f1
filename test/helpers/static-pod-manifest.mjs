// A static pod manifest as kubeadm writes it (/etc/kubernetes/manifests/NAME.yaml), read the way
// the lab runs it: the container's name (what crictl's --name matches) and its command, with the
// binary taken from the built Kubernetes binaries. Shared by the boot (control-plane.ts) and the
// static-pod stand-in (static-pods.mjs), which run the same command lines.
import {join} from 'node:path';
import {parse} from 'yaml';

/** The container of a kubeadm static pod: its name, its command, its grace period on stop (Kubernetes' default 30 s). */
export function staticPod(text) {
  const pod = parse(text);
  const container = pod.spec.containers[0];
  if (!container?.name || !Array.isArray(container.command) || container.command.length === 0) throw new Error('not a static pod with a command');
  return {name: container.name, command: container.command, graceSeconds: pod.spec.terminationGracePeriodSeconds ?? 30};
}

/** The command of a static pod manifest that kubeadm wrote: [binary name, ...args]. */
export const manifestCommand = text => staticPod(text).command;

/** The command line the lab runs for a manifest's command: the built binary of that name, the same arguments. */
export const builtArgv = (command, binDir) => [join(binDir, command[0]), ...command.slice(1)];

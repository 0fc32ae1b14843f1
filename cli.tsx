#!/usr/bin/env node
// Parses the command line and picks a mode. Everything heavy (Ink, the engine) is imported only
// by the mode that needs it, so --help and --version answer at once.
import {parseArgs} from 'node:util';
import {readFileSync} from 'node:fs';
import {printable} from './source/spec/quote.js';
import {closedStreams, flushed, watchStreams, writeTo} from './source/commands/streams.js';

const HELP = `kubepki — plan, generate, verify and ship the TLS PKI of a Kubernetes cluster

Usage:
  kubepki                                    the interactive wizard (needs a terminal)
  kubepki --plain                            the same questions as plain line prompts
  kubepki --config FILE                      the wizard, pre-filled from FILE
  kubepki OUT                                the wizard on an existing output directory:
                                             edit it, see the plan as a diff (new, changed,
                                             kept, removed), apply it as generate --update
  kubepki example                            print an example config (YAML)
  kubepki plan --config FILE [--json]        print the certificate plan; writes nothing
  kubepki generate --config FILE --out DIR [--force] [--verbose]
                                             write keys, certificates, kubeconfigs, node
                                             bundles, verify.sh and distribute.sh; prints a
                                             summary (--verbose: every check and every
                                             node's commands)
  kubepki generate --config DIR/cluster.yaml --out DIR --update
                                             apply an edited config to DIR: unchanged files
                                             kept byte-identical, new or changed ones issued
                                             from DIR's CAs, removed nodes' files removed
  kubepki verify DIR [--expiring-within 30d] check a generated directory: chains, keys,
                                             usages, SANs, expiry (warns below 30 days by
                                             default), file modes; --json: days left per file
  kubepki renew DIR [ID|NODE|all...] [--expiring-within 30d] [--new-keys]
                                             re-issue certificates from DIR's CAs with a
                                             fresh validity (keys kept unless --new-keys);
                                             kubeconfigs holding them rewritten
  kubepki user add NAME --group G [--group G...] --out DIR [--validity 90d] [--csr]
                                             a person's key, certificate (signed by DIR's
                                             cluster CA, or with --csr by the cluster's CSR
                                             API) and kubeconfig under DIR/users/NAME/
                                             (--validity: default the cluster's certificate
                                             validity, pki.validity.certificate)
  kubepki user finish NAME --certificate FILE --out DIR
                                             the kubeconfig of a --csr user, from the
                                             certificate the cluster issued
  kubepki user renew NAME --out DIR [--validity 90d]
                                             a fresh certificate for a user signed here
                                             (same key, name and groups)
  kubepki user remove NAME --out DIR         remove a user's files; says what the cluster
                                             still trusts and how to end it
  kubepki rotate DIR start AUTHORITY [--ca-bundle KIND/NAME] [--key-type TYPE]
                                             begin replacing a CA (ca, etcd-ca or
                                             front-proxy-ca): a new CA, every trust file
                                             old + new, leaves kept; or service-account
  kubepki rotate DIR start AUTHORITY --csr, then … --certificate FILE
                                             a new CA signed by your own root (an
                                             external CA): its key and request, then
                                             the start with the certificate issued
  kubepki rotate DIR issue [--new-keys]      the new CA (or key) signs every leaf of it
  kubepki rotate DIR finish                  trust the new CA (or key) alone; the old one
                                             retired (--allow-outage: a single apiserver)
  kubepki rotate DIR status [--json]         the rotation under way, if any
  kubepki rotate DIR abort                   one phase back: from start to the old CA
                                             alone; from issue to start (abort again after)
  kubepki inspect PATH... [--config FILE] [--json]
                                             read any PKI (kubeadm, The Hard Way, openssl or
                                             cfssl folders): each file's role and problems;
                                             exit 1 when problems were found
  kubepki map (--config FILE | OUT | --inspect PATH...) [--format text|svg|dot|mermaid]
              [--out FILE] [--node NAME...]
                                             the trust map: who presents which certificate
                                             to whom, checked with which CA file; broken
                                             connections (--inspect) in red with inspect's
                                             reason, exit 1. Kinds with more than 6 nodes
                                             fold into one box; --node NAME unfolds a host,
                                             component or kind. Format: text, or from
                                             --out's extension (.svg .dot .mmd)

Options:
  -c, --config FILE   cluster description (YAML or JSON; see kubepki example)
  -o, --out DIR       output directory; must be absent or empty unless --force
  -f, --force         regenerate an existing output directory, keeping its CAs
      --update        update an existing output directory in place (see above)
      --verbose       generate: print every check and every node's commands
      --json          plan, verify or inspect report as JSON (verify: days left per file)
      --plain         line prompts instead of the full-screen wizard
      --debug         on an unexpected error, print its stack trace
  -h, --help          this help; kubepki COMMAND --help: that command's own
  -V, --version       the version

Exit codes: 0 done, 1 failed, 2 bad usage or input, or OUT busy (nothing written),
130 / 143 / 129 interrupted by INT / TERM / HUP (after removing unfinished files).
`;

function version(): string {
  // Bundled: package.json sits one level up from dist/cli.js; unbundled (tests): beside cli.tsx.
  for (const rel of ['../package.json', './package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {version: string}).version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

function usageError(message: string): number {
  // Messages quote what was typed (an unknown command, a stray argument): never a raw control character.
  process.stderr.write(`kubepki: ${printable(message)}\nRun kubepki --help for usage.\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: {type: 'string', short: 'c'},
        out: {type: 'string', short: 'o'},
        force: {type: 'boolean', short: 'f'},
        update: {type: 'boolean'},
        verbose: {type: 'boolean'},
        'expiring-within': {type: 'string'},
        'new-keys': {type: 'boolean'},
        'allow-outage': {type: 'boolean'},
        'key-type': {type: 'string'},
        group: {type: 'string', multiple: true},
        validity: {type: 'string'},
        csr: {type: 'boolean'},
        certificate: {type: 'string'},
        json: {type: 'boolean'},
        format: {type: 'string'},
        node: {type: 'string', multiple: true},
        'ca-bundle': {type: 'string', multiple: true},
        inspect: {type: 'boolean'},
        plain: {type: 'boolean'},
        debug: {type: 'boolean'},
        help: {type: 'boolean', short: 'h'},
        version: {type: 'boolean', short: 'V'},
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const {values, positionals} = parsed;
  // Each command's help is loaded only when asked for: start-up stays small (test/cli/bundle.test.ts).
  if (values.help) { process.stdout.write((await import('./source/commands/help.js')).commandHelp(positionals) ?? HELP); return 0; }
  if (values.version) { process.stdout.write(`${version()}\n`); return 0; }

  const [command, ...rest] = positionals;
  // Refused rather than ignored: every other command's keys follow pki.key in the config.
  if (values['key-type'] !== undefined && command !== 'rotate') return usageError('--key-type is for kubepki rotate OUT start (a new CA of another key type); the key type of every other key is pki.key in the config');
  const {runCommand} = await import('./source/commands/run.js');
  if (command === undefined) {
    // --plain needs only a keyboard: its output may be logged (kubepki --plain | tee log).
    const interactive = Boolean(process.stdin.isTTY && (values.plain || process.stdout.isTTY));
    if (!interactive) {
      return usageError(values.config
        ? `no terminal for the wizard: to write files without questions run kubepki generate --config ${values.config} --out DIR`
        : 'no terminal for the wizard (stdin or stdout is not a TTY). Give a config instead: kubepki example > cluster.yaml, then kubepki generate --config cluster.yaml --out DIR');
    }
    return runCommand({command: 'wizard', config: values.config, plain: values.plain ?? false});
  }
  switch (command) {
    case 'example':
      if (rest.length) return usageError(`example takes no arguments (got ${rest.join(' ')})`);
      return runCommand({command});
    case 'plan':
      if (!values.config) return usageError('plan needs --config FILE (kubepki example prints one)');
      if (rest.length) return usageError(`unexpected argument ${rest[0]}`);
      return runCommand({command, config: values.config, json: values.json ?? false});
    case 'generate':
      if (!values.config) return usageError('generate needs --config FILE (kubepki example prints one)');
      if (!values.out) return usageError('generate needs --out DIR, the directory to write');
      if (rest.length) return usageError(`unexpected argument ${rest[0]}`);
      if (values.update && values.force) return usageError('--update and --force: choose one (--update keeps every unchanged file, --force re-issues every leaf)');
      return runCommand({command, config: values.config, out: values.out, force: values.force ?? false, update: values.update ?? false, verbose: values.verbose ?? false});
    case 'verify':
      if (rest.length !== 1) return usageError('verify needs exactly one DIR (a directory written by kubepki generate)');
      return runCommand({command, dir: rest[0]!, expiringWithin: values['expiring-within'], json: values.json ?? false});
    case 'user': {
      const [action, name, ...extra] = rest;
      if (action !== 'add' && action !== 'finish' && action !== 'renew' && action !== 'remove') return usageError('user needs add, finish, renew or remove: kubepki user add NAME --group G --out DIR, kubepki user finish NAME --certificate FILE --out DIR, kubepki user renew NAME --out DIR, kubepki user remove NAME --out DIR');
      if (name === undefined) return usageError(`user ${action} needs NAME`);
      if (extra.length) return usageError(`unexpected argument ${extra[0]}`);
      if (!values.out) return usageError(`user ${action} needs --out DIR, the directory kubepki generate wrote`);
      if (action === 'add') return runCommand({command: 'user-add', out: values.out, name, groups: values.group ?? [], validity: values.validity, csr: values.csr ?? false});
      const stray = (action === 'renew' || action === 'remove') && [values.group?.length ? '--group' : '', values.csr ? '--csr' : '', values.certificate ? '--certificate' : '', action === 'remove' && values.validity ? '--validity' : ''].find(Boolean);
      if (stray) {
        const why = stray === '--group' ? 'the user keeps the groups it was made with'
          : stray === '--validity' ? 'nothing is issued'
          : `a user is ${action === 'renew' ? 'renewed' : 'removed'} the way it was made, which kubepki knows from the manifest`;
        return usageError(`user ${action} takes no ${stray} (${why})`);
      }
      if (action === 'renew') return runCommand({command: 'user-renew', out: values.out, name, validity: values.validity});
      if (action === 'remove') return runCommand({command: 'user-remove', out: values.out, name});
      if (!values.certificate) return usageError('user finish needs --certificate FILE, the certificate the cluster issued');
      return runCommand({command: 'user-finish', out: values.out, name, certificate: values.certificate});
    }
    case 'renew':
      if (rest.length === 0) return usageError('renew needs OUT, a directory written by kubepki generate');
      return runCommand({command, out: rest[0]!, names: rest.slice(1), expiringWithin: values['expiring-within'], newKeys: values['new-keys'] ?? false});
    case 'rotate': {
      const [out, action, authority, ...extra] = rest;
      const {ROTATE_USAGE} = await import('./source/commands/rotate.js');
      if (out === undefined || action === undefined) return usageError(ROTATE_USAGE);
      if (extra.length || (action !== 'start' && authority !== undefined)) return usageError(`unexpected argument ${extra[0] ?? authority}`);
      return runCommand({command, out, action, authority, json: values.json ?? false, newKeys: values['new-keys'] ?? false, allowOutage: values['allow-outage'] ?? false, caBundles: values['ca-bundle'] ?? [], csr: values.csr ?? false, certificate: values.certificate, keyType: values['key-type']});
    }
    case 'inspect':
      if (values.out || values.force || values.plain) return usageError('inspect takes PATH... [--config FILE] [--json]');
      if (rest.length === 0) return usageError('inspect needs at least one PATH (a directory such as /etc/kubernetes, or files)');
      return (await import('./source/commands/inspect.js')).runInspect(rest, {config: values.config, json: values.json ?? false});
    case 'map':
      if (values.force || values.plain || values.update || values.json) return usageError('map takes --config FILE, OUT or --inspect PATH..., and [--format F] [--out FILE] [--node NAME]');
      return runCommand({command, config: values.config, paths: rest, inspect: values.inspect ?? false, format: values.format, out: values.out, nodes: values.node ?? []});
    default: {
      // `kubepki OUT`: the wizard on a directory kubepki generate wrote.
      const {notKubepkiOutput} = await import('./source/interview/update.js');
      const problem = notKubepkiOutput(command);
      if (problem) return usageError(problem.includes('no such directory') && !command.includes('/') ? `unknown command ${command} (nor a directory)` : problem);
      if (rest.length) return usageError(`unexpected argument ${rest[0]}`);
      if (values.config) return usageError(`--config pre-fills a new PKI; kubepki ${command} opens ${command} with its own cluster.yaml. Give one or the other.`);
      if (values.plain) return usageError(`--plain cannot open an existing directory; apply an edited ${command}/cluster.yaml with kubepki generate --config ${command}/cluster.yaml --out ${command} --update`);
      // OUT is read (and refused when damaged) before the terminal is asked for.
      return runCommand({command: 'wizard', plain: false, open: command, terminal: Boolean(process.stdin.isTTY && process.stdout.isTTY)});
    }
  }
}

// `kubepki plan ... | head` closes the pipe early: that is not an error. A command that writes OUT
// cleans up and fails instead (source/commands/streams.ts).
watchStreams();

/**
 * The last line of defence: an error nobody expected is one line and exit 1, never a stack
 * trace (which can quote file contents); --debug shows the trace.
 */
const debug = process.argv.slice(2).includes('--debug');
function unexpected(error: unknown) {
  if (debug) {
    writeTo('stderr')(`kubepki: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    const line = (message.split('\n')[0] ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 200);
    writeTo('stderr')(`kubepki: unexpected error: ${line}\nkubepki: run again with --debug for the details.\n`);
  }
  process.exitCode = 1;
}
process.on('uncaughtException', error => { unexpected(error); process.exit(1); });
process.on('unhandledRejection', error => { unexpected(error); process.exit(1); });

main(process.argv.slice(2)).then(async code => {
  // What is written must reach the reader first, and a late EPIPE or ENOSPC surface.
  await flushed();
  // A command that writes OUT whose output closed has cleaned up; its report was lost: exit 1 at least.
  if (closedStreams().length > 0) code ||= 1;
  // Leave explicitly, never by the event loop running dry: then Node closes its signal watchers
  // before the process ends, and a signal in that instant takes the default action (killed with no
  // word, though OUT was complete: seen in CI, and 288 of 300 times in a bare Node script signalled
  // as it ended). process.exit keeps the handlers (source/commands/interrupts.ts) to the end.
  process.exit(code);
}, unexpected);

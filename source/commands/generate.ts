// `kubepki generate`: the whole flow without questions. The wizard calls writeCluster too.
import {readFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {buildPlan} from '../plan/plan.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import {generateMaterial, type ExistingAuthority, type ProgressEvent} from '../pki/generate.js';
import {keyTypeOf} from '../pki/algorithms.js';
import {buildManifest, type Manifest} from '../output/manifest.js';
import {commitStaging, createStaging, discardStaging, discardStagingNow, inspectOutput, OutputRefused, PUBLIC_MODE, SCRIPT_MODE, stagingWriter} from '../output/write.js';
import {renderDistributeScript, distributionCommands} from '../scripts/distribute-script.js';
import {renderVerifyScript} from '../scripts/verify-script.js';
import {checkCommand, checkCount, opensslChecks} from '../scripts/checks.js';
import {InputError, specFromFile, specToYaml} from '../spec/load.js';
import {KEY_LABELS, type ClusterSpec} from '../spec/types.js';
import {EXIT, type Io} from './io.js';

export interface WriteOptions {
  force?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Called with the staging directory so an interrupt handler can remove it. */
  onStaging?: (dir: string | undefined) => void;
}

export interface WriteResult {
  plan: Plan;
  out: string;
  reused: AuthorityId[];
}

/** Refuse unsafe targets before any key is made: nothing is touched when this throws. */
export async function checkTarget(out: string, plan: Plan, force: boolean): Promise<Partial<Record<AuthorityId, ExistingAuthority>>> {
  let state;
  try {
    state = inspectOutput(out);
  } catch (error) {
    if (error instanceof OutputRefused) throw new InputError([`--out: ${error.message}`]);
    throw error;
  }
  if (state !== 'occupied') return {};
  if (!force) throw new InputError([`--out: ${out} already holds files; nothing was changed. Choose another directory, or pass --force to regenerate it (its CAs are kept).`]);
  let old: Manifest;
  try {
    old = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new InputError([`--out: ${out} holds files that kubepki did not write (no manifest.json); --force only replaces kubepki output. Choose another directory.`]);
  }
  const kept: Partial<Record<AuthorityId, ExistingAuthority>> = {};
  for (const a of old.authorities) {
    if (!plan.authorities.some(p => p.id === a.id)) {
      throw new InputError([`--out: ${out} holds CA ${a.id} (${a.key}), which the new plan does not use; replacing the directory would lose that key. Move it away first.`]);
    }
    try {
      kept[a.id as AuthorityId] = {certPem: readFileSync(join(out, a.cert), 'utf8'), keyPem: readFileSync(join(out, a.key), 'utf8')};
    } catch {
      throw new InputError([`--out: ${out}'s manifest names CA ${a.id} but ${a.cert} or ${a.key} cannot be read; refusing to replace it.`]);
    }
    // A kept CA keeps its key type (an RSA CA may sign new ECDSA leaves): the plan says which.
    const planned = plan.authorities.find(p => p.id === a.id)!;
    try {
      planned.keyType = keyTypeOf(kept[a.id as AuthorityId]!.keyPem);
    } catch (error) {
      throw new InputError([`--out: CA ${a.id}'s key ${a.key} cannot be used: ${(error as Error).message}; refusing to replace it.`]);
    }
  }
  return kept;
}

export async function writeCluster(spec: ClusterSpec, out: string, options: WriteOptions = {}): Promise<WriteResult> {
  const plan = buildPlan(spec);
  const existing = await checkTarget(out, plan, options.force ?? false);
  const now = new Date();
  const staging = await createStaging(out);
  options.onStaging?.(staging);
  try {
    const writer = stagingWriter(staging, plan);
    await generateMaterial(plan, {now, existing, onProgress: options.onProgress, onFile: writer.write});
    await writer.finish([
      {path: 'cluster.yaml', content: specToYaml(spec, `# Written by kubepki ${now.toISOString()}; run again with: kubepki generate --config cluster.yaml --out DIR\n`), mode: PUBLIC_MODE},
      {path: 'manifest.json', content: `${JSON.stringify(buildManifest(plan, now), null, 2)}\n`, mode: PUBLIC_MODE},
      {path: 'verify.sh', content: renderVerifyScript(plan), mode: SCRIPT_MODE},
      {path: 'distribute.sh', content: renderDistributeScript(plan), mode: SCRIPT_MODE},
    ]);
    await commitStaging(staging, out);
  } catch (error) {
    await discardStaging(staging);
    throw error;
  } finally {
    options.onStaging?.(undefined);
  }
  return {plan, out: resolve(out), reused: Object.keys(existing) as AuthorityId[]};
}

/** What `generate` prints at the end: the proof and the shipping, as commands to copy. */
export function finalReport(result: WriteResult): string {
  const {plan, out} = result;
  const groups = opensslChecks(plan);
  const lines = [
    `Wrote ${plan.certificates.length + plan.authorities.length} certificates, ${plan.kubeconfigs.length} kubeconfigs and ${plan.nodes.length} node bundles to ${out}`,
    ...result.reused.map(id => {
      const a = plan.authorities.find(p => p.id === id)!;
      const mixed = a.keyType !== plan.keyType ? `; it signs the new ${KEY_LABELS[plan.keyType]} certificates` : '';
      return `Kept the existing CA ${id} (its ${KEY_LABELS[a.keyType]} key was not replaced${mixed}).`;
    }),
    '',
    `# Verify (${checkCount(groups)} checks; all of them: bash ${out}/verify.sh)`,
    `cd ${out}`,
    ...groups.flatMap(g => [`## ${g.title}`, ...g.checks.map(checkCommand)]),
    '',
    `# Distribute (all of them: bash ${out}/distribute.sh [NODE...]; --help for options)`,
    ...distributionCommands(plan).flatMap(d => [`## ${d.node}`, ...d.lines]),
    '',
    `Saved: ${out}/verify.sh, ${out}/distribute.sh, and your answers in ${out}/cluster.yaml.`,
  ];
  return `${lines.join('\n')}\n`;
}

export async function runGenerate(io: Io, config: string, out: string, force: boolean): Promise<number> {
  const spec = specFromFile(config);
  let staging: string | undefined;
  const onSigint = () => {
    if (staging) discardStagingNow(staging);
    io.err('\nkubepki: interrupted; nothing was written.\n');
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', onSigint);
  const started = Date.now();
  let lastShown = 0;
  try {
    const result = await writeCluster(spec, out, {
      force,
      onStaging: dir => { staging = dir; },
      onProgress: ({done, total, item}) => {
        const elapsed = ((Date.now() - started) / 1000).toFixed(1);
        if (io.stderrIsTTY) io.err(`\r\u001B[Kgenerating keys ${done}/${total} (${elapsed}s) ${item}`);
        else if (done === total || Date.now() - lastShown > 1000) {
          lastShown = Date.now();
          io.err(`generating keys ${done}/${total} (${elapsed}s)\n`);
        }
      },
    });
    if (io.stderrIsTTY) io.err('\n');
    io.out(finalReport(result));
    return EXIT.ok;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

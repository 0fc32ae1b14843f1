import {describe, expect, it} from 'vitest';
import {spawnSync} from 'node:child_process';
import {wrapCommand} from '../../source/text/wrap.js';

/** The words bash sees when it runs `text` with openssl replaced by a function that prints them. */
const wordsBashSees = (text: string) =>
  spawnSync('bash', ['-c', `openssl() { printf '%s\\n' "$@"; }\n${text}`], {encoding: 'utf8'}).stdout;

const COMMANDS = [
  'openssl verify -CAfile pki/ca.crt -purpose sslserver -verify_hostname server.kubernetes.local pki/kube-api-server.crt',
  'openssl verify -CAfile pki/ca.crt -purpose sslserver -verify_ip 10.32.0.1 pki/apiserver.crt',
  "openssl x509 -in 'pki/a b.crt' -noout -ext subjectAltName -subject -issuer -dates -fingerprint -sha256 -text",
];

describe('wrapCommand: a long command as lines that paste and run as one', () => {
  it.each([30, 40, 58, 60, 78, 80])('at %i columns: no line is wider, continued lines end in " \\", and bash sees the same words', width => {
    for (const command of COMMANDS) {
      const lines = wrapCommand(command, width);
      if (command.length > width) expect(lines.length, command).toBeGreaterThan(1);
      for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(width);
      for (const line of lines.slice(0, -1)) expect(line.endsWith(' \\'), line).toBe(true);
      expect(lines.at(-1)!.endsWith('\\')).toBe(false);
      expect(wordsBashSees(lines.join('\n'))).toBe(wordsBashSees(command));
      expect(wordsBashSees(command).split('\n').length).toBeGreaterThan(5);
    }
  });

  it('leaves a command that fits alone, and never breaks inside quotes', () => {
    expect(wrapCommand('openssl version', 80)).toEqual(['openssl version']);
    const lines = wrapCommand("openssl x509 -in 'pki/a very long name with spaces.crt' -noout", 30);
    expect(lines.some(l => l.includes("'pki/a very long name with spaces.crt'"))).toBe(true);
  });
});

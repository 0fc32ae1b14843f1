/** Bad input: the CLI prints `lines` and exits 2, having written nothing. */
export class InputError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

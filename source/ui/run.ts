export async function runInteractive(_options: {config?: string; plain: boolean}): Promise<number> {
  throw new Error('wizard: under construction');
}

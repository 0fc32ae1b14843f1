export function staticPod(text: string): {name: string; command: string[]; graceSeconds: number};
export function manifestCommand(text: string): string[];
export function builtArgv(command: string[], binDir: string): string[];

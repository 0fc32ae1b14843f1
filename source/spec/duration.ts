// Validity is written as kubeadm writes it (`8760h`), with days and years allowed for people.
const UNIT_HOURS: Record<string, number> = {h: 1, d: 24, y: 24 * 365};

export function parseDurationHours(text: string): number | undefined {
  const m = /^(\d+)(h|d|y)$/.exec(text.trim());
  if (!m) return undefined;
  const hours = Number(m[1]) * UNIT_HOURS[m[2]!]!;
  return hours > 0 ? hours : undefined;
}

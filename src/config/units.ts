/** Value forms shared by config files, environment variables and flags: numbers, booleans, durations, sizes. */

export const toNumber = (v: unknown) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v);

export const toBoolean = (v: unknown) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : v;
};

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** "250ms", "10s", "2m", "1h", "7d"; a bare number is milliseconds (as OTEL_BSP_* values are). */
export function parseDuration(v: unknown): unknown {
  const n = toNumber(v);
  if (typeof n === 'number' || typeof v !== 'string') return n;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim());
  return m ? Math.round(Number(m[1]) * (DURATION_UNITS_MS[m[2] as string] as number)) : v;
}

const SIZE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
/** "512KiB", "100MiB", "1GiB"; a bare number is bytes. */
export function parseByteSize(v: unknown): unknown {
  const n = toNumber(v);
  if (typeof n === 'number' || typeof v !== 'string') return n;
  const m = /^(\d+)\s*(B|KiB|MiB|GiB)$/.exec(v.trim());
  return m ? Number(m[1]) * (SIZE_UNITS[m[2] as string] as number) : v;
}

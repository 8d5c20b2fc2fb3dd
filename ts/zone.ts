// The zone of zone-less datetime columns (MySQL): wall-clock text <-> `Date`. The engine does the
// same for entity values (`engine::time::Zone`); these are the raw paths (`em.execute`
// parameters, `qb.execute()` rows). `zone`: undefined for UTC, `'local'` or `±HH:MM`.

const ZONE_LESS = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?$/;

/** Minutes east of UTC of a fixed zone (`Z`, `UTC`, `±HH:MM`, `±HHMM`). */
function fixedOffset(zone: string): number {
  if (zone === 'Z' || zone.toUpperCase() === 'UTC') {
    return 0;
  }
  const m = /^([+-])(\d\d):?(\d\d)$/.exec(zone);
  if (!m) {
    throw new Error(`Invalid 'timezone' option '${zone}': expected 'Z', 'local' or an offset like '+02:00'`);
  }
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** `YYYY-MM-DD HH:MM:SS.mmm` of `d` in the zone. */
export function wallText(d: Date, zone?: string): string {
  const offset = zone === 'local' ? -d.getTimezoneOffset() : zone === undefined ? 0 : fixedOffset(zone);
  return new Date(d.getTime() + offset * 60_000).toISOString().replace('T', ' ').replace('Z', '');
}

/** A datetime column's value as a `Date`: zone-less text in the zone, anything else as is. */
export function dateFromDb(v: unknown, zone?: string): Date {
  const m = typeof v === 'string' ? ZONE_LESS.exec(v) : null;
  if (!m) {
    return new Date(v as string | number);
  }
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1, 7).map(x => Number(x ?? 0));
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  if (zone === 'local') {
    return new Date(y, mo - 1, d, h, mi, s, ms);
  }
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - (zone === undefined ? 0 : fixedOffset(zone)) * 60_000);
}

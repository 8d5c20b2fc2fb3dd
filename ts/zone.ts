// Zone-less datetime columns (MySQL) read back as `Date`s on the raw paths (`qb.execute()` rows,
// `em.map()`). The engine reads entity values and binds every parameter (`engine::time::Zone`).

const ZONE_LESS = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?$/;

/** A zone parsed once: `'local'`, or minutes east of UTC. */
export type Zone = 'local' | number;

/** `undefined` (UTC), `'local'`, `Z`, `UTC`, `±HH:MM` or `±HHMM`. */
export function parseZone(zone: string | undefined): Zone {
  if (zone === undefined || zone === 'Z' || zone.toUpperCase() === 'UTC') {
    return 0;
  }
  if (zone === 'local') {
    return 'local';
  }
  const m = /^([+-])(\d\d):?(\d\d)$/.exec(zone);
  if (!m) {
    throw new Error(`Invalid 'timezone' option '${zone}': expected 'Z', 'local' or an offset like '+02:00'`);
  }
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** A datetime column's value as a `Date`: zone-less text in the zone, anything else as is. */
export function dateFromDb(v: unknown, zone: Zone): Date {
  const m = typeof v === 'string' ? ZONE_LESS.exec(v) : null;
  if (!m) {
    return new Date(v as string | number);
  }
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1, 7).map(x => Number(x ?? 0));
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  if (zone === 'local') {
    return new Date(y, mo - 1, d, h, mi, s, ms);
  }
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - zone * 60_000);
}

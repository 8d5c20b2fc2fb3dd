// Zone-less datetime columns on MySQL/MariaDB in another zone than UTC: `forceUtcTimezone: false`
// (local time, here Europe/Prague) and `timezone`. Both packages run against this machine's
// MariaDB. The stored wall-clock texts are what @mikro-orm/mysql 7.2.1 stored and read back for
// the same entity on this server, with TZ=Europe/Prague (10:00Z in July: 12:00 local, 15:00 at
// +05:00; `timezone` alone is ignored while `forceUtcTimezone` is on).
process.env.TZ = 'Europe/Prague';

import { afterAll, describe, expect, test } from 'vitest';
import * as mysql from '@mikro-native/mysql';
import * as mariadb from '@mikro-native/mariadb';
import { defineEntity, p, raw, ValidationError } from '@mikro-native/sqlite';
import { failure } from './helpers.js';

const Ev = defineEntity({ name: 'Ev', properties: { id: p.integer().primary(), at: p.datetime(), note: p.string().nullable() } });
const Admin = defineEntity({ name: 'Admin', properties: { id: p.integer().primary() } });
const server = { host: '127.0.0.1', port: 3306, user: 'root' };
const summer = new Date('2024-07-01T10:00:00.000Z');
const winter = new Date('2024-01-15T10:00:00.000Z');

const cases = [
  { title: 'the default (UTC)', options: {}, walls: ['2024-07-01 10:00:00', '2024-01-15 10:00:00'] },
  { title: "'timezone' alone (forceUtcTimezone is on: UTC)", options: { timezone: '+02:00' }, walls: ['2024-07-01 10:00:00', '2024-01-15 10:00:00'] },
  { title: 'forceUtcTimezone: false (local time, with daylight saving)', options: { forceUtcTimezone: false }, walls: ['2024-07-01 12:00:00', '2024-01-15 11:00:00'] },
  { title: "forceUtcTimezone: false with timezone '+05:00'", options: { forceUtcTimezone: false, timezone: '+05:00' }, walls: ['2024-07-01 15:00:00', '2024-01-15 15:00:00'] },
];
const packages = [['mysql', mysql], ['mariadb', mariadb]] as const;
const dbName = 'mikro_native_timezone';

afterAll(async () => {
  const orm = await mysql.MikroORM.init({ entities: [Admin], dbName: 'mysql', ...server });
  await orm.em.execute(`drop database if exists ${dbName}`);
  await orm.close();
});

for (const [name, mod] of packages) {
  describe(`@mikro-native/${name}`, () => {
    for (const c of cases) {
      test(c.title, async () => {
        const lines: string[] = [];
        const orm = await mod.MikroORM.init({ entities: [Ev], dbName, ...server, ...c.options, debug: ['query'], logger: (m: string) => lines.push(m) });
        await orm.schema.refresh();
        const em = orm.em.fork();
        em.create(Ev, { at: summer });
        em.create(Ev, { at: winter });
        await em.flush();
        // Stored as the zone's wall-clock time; em.execute() gives the column's text.
        const raw = await orm.em.fork().execute('select at from ev order by id');
        expect(raw.map(r => r.at)).toEqual(c.walls);
        // Read back as the same instants: entities, QueryBuilder rows, em.map().
        const loaded = await orm.em.fork().find(Ev, {}, { orderBy: { id: 'asc' } });
        expect(loaded.map(e => e.at.toISOString())).toEqual([summer.toISOString(), winter.toISOString()]);
        const rows = await orm.em.fork().createQueryBuilder(Ev).select('*').orderBy({ id: 'asc' }).execute();
        expect(rows.map(r => (r.at as Date).toISOString())).toEqual([summer.toISOString(), winter.toISOString()]);
        expect(orm.em.fork().map(Ev, { id: 1, at: c.walls[0], note: null }).at.toISOString()).toBe(summer.toISOString());
        // Conditions and raw parameters in the zone.
        expect(await orm.em.fork().count(Ev, { at: winter })).toBe(1);
        expect(await orm.em.fork().count(Ev, { at: { $lt: new Date('2024-07-01T10:30:00Z') } })).toBe(2);
        expect(await orm.em.fork().execute('select id from ev where at = ?', [summer])).toEqual([{ id: 1 }]);
        const qb = orm.em.fork().createQueryBuilder(Ev).where({ at: summer });
        expect((qb.getParams()[0] as Date).toISOString()).toBe(summer.toISOString());
        expect(qb.getFormattedQuery()).toBe(`select \`e0\`.* from \`ev\` as \`e0\` where \`e0\`.\`at\` = '${c.walls[0]}.000'`);
        // An unchanged date is no change; a new one is written in the zone.
        const em2 = orm.em.fork();
        const [first] = await em2.find(Ev, { id: 1 });
        first.at = new Date(summer.getTime());
        lines.length = 0;
        await em2.flush();
        expect(lines).toEqual([]);
        first.note = 'later';
        first.at = winter;
        await em2.flush();
        expect((await orm.em.fork().execute('select at, note from ev where id = 1'))[0]).toEqual({ at: c.walls[1], note: 'later' });
        await orm.close();
      });
    }

    test('a timezone that is no offset fails, naming the option', async () => {
      const err = await failure(mod.MikroORM.init({ entities: [Ev], dbName, ...server, forceUtcTimezone: false, timezone: 'Europe/Prague' }));
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toBe("Invalid 'timezone' option 'Europe/Prague': expected 'Z', 'local' or an offset like '+02:00'");
    });
  });
}

describe('edge cases (@mikro-native/mariadb)', () => {
  const Day = defineEntity({ name: 'Day', properties: { id: p.integer().primary(), at: p.datetime(), day: p.date().nullable() } });
  const init = (options: object) => mariadb.MikroORM.init({ entities: [Day], dbName, ...server, ...options });
  const readBack = async (orm: Awaited<ReturnType<typeof init>>, wall: string) => {
    await orm.em.fork().execute('delete from day');
    await orm.em.fork().execute('insert into day (id, at) values (1, ?)', [wall]);
    const entity = (await orm.em.fork().findOneOrFail(Day, 1)).at.toISOString();
    const row = ((await orm.em.fork().createQueryBuilder(Day).select('*').execute())[0].at as Date).toISOString();
    return [entity, row];
  };

  test('local time around daylight saving changes reads as JS Date does', async () => {
    const orm = await init({ forceUtcTimezone: false });
    await orm.schema.refresh();
    // Europe/Prague: 02:30 on 27 Oct 2024 happens twice (the first, summer time), on 31 Mar 2024 never.
    expect(await readBack(orm, '2024-10-27 02:30:00')).toEqual(Array(2).fill(new Date(2024, 9, 27, 2, 30).toISOString()));
    expect(new Date(2024, 9, 27, 2, 30).toISOString()).toBe('2024-10-27T00:30:00.000Z');
    expect(await readBack(orm, '2024-03-31 02:30:00')).toEqual(Array(2).fill(new Date(2024, 2, 31, 2, 30).toISOString()));
    expect(new Date(2024, 2, 31, 2, 30).toISOString()).toBe('2024-03-31T01:30:00.000Z');
    await orm.close();
  });

  test('a negative offset; zone-less text given for a datetime is that zone\'s time; dates in raw fragments', async () => {
    const orm = await init({ forceUtcTimezone: false, timezone: '-03:30' });
    await orm.schema.refresh();
    const em = orm.em.fork();
    em.create(Day, { at: new Date('2024-07-01T10:00:00Z') });
    em.create(Day, { at: '2024-07-01 06:30:00' as unknown as Date });
    await em.flush();
    expect((await orm.em.fork().execute('select at from day order by id')).map(r => r.at)).toEqual(['2024-07-01 06:30:00', '2024-07-01 06:30:00']);
    expect(await orm.em.fork().count(Day, { at: '2024-07-01 06:30:00' as unknown as Date })).toBe(2);
    expect(await orm.em.fork().count(Day, { at: '2024-07-01T10:00:00Z' as unknown as Date })).toBe(2);
    const qb = orm.em.fork().createQueryBuilder(Day).where('at < ?', [new Date('2024-07-01T10:00:01Z')]);
    expect(qb.getFormattedQuery()).toBe("select `d0`.* from `day` as `d0` where (at < '2024-07-01 06:30:01.000')");
    expect((await qb.execute()).length).toBe(2);
    // A Date as the value of a raw key, alone or in an operator, is that zone's time too.
    const at = new Date('2024-07-01T10:00:00Z');
    expect(await orm.em.fork().count(Day, { [raw('at')]: at })).toBe(2);
    expect(await orm.em.fork().count(Day, { [raw('at')]: { $in: [at] } })).toBe(2);
    expect(await orm.em.fork().count(Day, { [raw('at')]: { $gte: at, $lt: new Date('2024-07-01T10:00:01Z') } })).toBe(2);
    expect(await orm.em.fork().count(Day, { [raw('at')]: { $lt: at } })).toBe(0);
    // A date column's parameter stays a date.
    const dayQb = orm.em.fork().createQueryBuilder(Day).where({ day: new Date('2024-01-01T00:00:00Z') });
    expect((dayQb.getParams()[0] as Date).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    await orm.close();
  });
});

import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, serialize, Type, wrap, type MikroORM } from '@mikro-native/sqlite';
import { forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

/** A point stored as `x,y` text, serialized as `[x, y]`. */
class PointType extends Type<Point, string> {
  override convertToDatabaseValue(v: Point): string {
    return v instanceof Point ? `${v.x},${v.y}` : (v as unknown as string);
  }
  override convertToJSValue(v: string): Point {
    if (typeof v !== 'string') {
      return v;
    }
    const [x, y] = v.split(',').map(Number);
    return new Point(x, y);
  }
  override getColumnType(): string {
    return 'varchar(50)';
  }
  override toJSON(v: Point): [number, number] {
    return [v.x, v.y] as never;
  }
}

/** Upper case in the database, lower case in JS. */
class UpperType extends Type<string, string> {
  override convertToDatabaseValue(v: string): string {
    return typeof v === 'string' ? v.toUpperCase() : v;
  }
  override convertToJSValue(v: string): string {
    return typeof v === 'string' ? v.toLowerCase() : v;
  }
  override getColumnType(): string {
    return 'text';
  }
}

const Place = defineEntity({ name: 'Place', properties: { id: p.integer().primary(), loc: p.type(PointType), code: p.type(new UpperType()).nullable() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe('custom types', () => {
  test('values convert on the way in and out, in filters and in serialization; the type declares its column', async () => {
    const ctx = await setup({ entities: [Place], schema: false });
    orm = ctx.orm;
    const { lines } = ctx;
    expect(await orm.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite: 'create table `place` (`id` integer not null primary key autoincrement, `loc` varchar(50) not null, `code` text null);\n',
        postgresql: `set names 'utf8';\n\ncreate table "place" ("id" serial primary key, "loc" varchar(50) not null, "code" text null);\n`,
        mysql:
          'set names utf8mb4;\n\ncreate table `place` (`id` int unsigned not null auto_increment primary key, `loc` varchar(50) not null, `code` text null) default character set utf8mb4 engine = InnoDB;\n',
      }),
    );
    await orm.schema.create();
    let em = orm.em.fork();
    em.create(Place, { loc: new Point(1, 2), code: 'abc' });
    take(lines);
    await em.flush();
    expect(take(lines)).toEqual([
      '[query] begin',
      forDriver({
        sqlite: "[query] insert into `place` (`loc`, `code`) values ('1,2', 'ABC') returning `id` [took X ms, 1 row affected]",
        mysql: "[query] insert into `place` (`loc`, `code`) values ('1,2', 'ABC') [took X ms, 1 row affected]",
      }),
      '[query] commit',
    ]);
    em = orm.em.fork();
    const pl = await em.findOneOrFail(Place, { code: 'abc' });
    expect(take(lines)).toEqual(["[query] select `p0`.* from `place` as `p0` where `p0`.`code` = 'ABC' limit 1 [took X ms, 1 result]"]);
    expect(pl.loc).toEqual(new Point(1, 2));
    expect(pl.loc).toBeInstanceOf(Point);
    expect(pl.code).toBe('abc');
    expect(wrap(pl).toObject()).toEqual({ id: 1, loc: [1, 2], code: 'abc' });
    expect(serialize(pl)).toEqual({ id: 1, loc: [1, 2], code: 'abc' });
    // Unchanged values compare equal after the round trip: nothing to write.
    await em.flush();
    expect(take(lines)).toEqual([]);
    pl.loc = new Point(3, 4);
    await em.flush();
    expect(take(lines)).toEqual(['[query] begin', "[query] update `place` set `loc` = '3,4' where `id` = 1 [took X ms, 1 row affected]", '[query] commit']);
    expect(await em.count(Place, { loc: new Point(3, 4) })).toBe(1);
    expect((await em.find(Place, { code: { $in: ['abc', 'x'] } })).length).toBe(1);
    expect(await em.execute('select * from place')).toEqual([{ id: 1, loc: '3,4', code: 'ABC' }]);
  });
});

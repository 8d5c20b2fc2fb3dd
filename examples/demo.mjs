// The README's demo: MikroORM-style code on @mikro-native/sqlite, on an embedded SQLite file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM, defineEntity, p, wrap } from '@mikro-native/sqlite';

const Author = defineEntity({
  name: 'Author',
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    email: p.string().unique(),
    born: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

const dbName = join(mkdtempSync(join(tmpdir(), 'mikro-native-demo-')), 'demo.db');
const orm = await MikroORM.init({ entities: [Author], dbName, debug: true });
await orm.schema.create();

const em = orm.em.fork();
em.create(Author, { name: 'Jon Snow', email: 'snow@wall.st' });
em.create(Author, { name: 'Arya Stark', email: 'arya@winterfell.st', born: new Date('2000-01-01') });
await em.flush();

const authors = await orm.em.fork().find(Author, { name: { $like: '%S%' } }, { orderBy: { name: 'asc' } });
console.log(authors.map(a => wrap(a).toObject()));

const qb = orm.em.fork().createQueryBuilder(Author).select('*').where({ name: { $like: '%test%' } }).orderBy({ name: 'asc' }).limit(10);
console.log(qb.getFormattedQuery());

await orm.em.transactional(async tem => {
  const arya = await tem.findOneOrFail(Author, { email: 'arya@winterfell.st' });
  arya.name = 'No One';
});
console.log('count:', await orm.em.fork().count(Author), 'database file:', dbName);
await orm.close();

import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { MetadataError, MikroORM } from '@mikro-native/sqlite';
import { failure, setup } from './helpers.js';

// Folder-based discovery, as MikroORM 7 documents it: `entities` globs (or folders) of compiled
// files, `entitiesTs` of TypeScript sources (taken when running in TypeScript, as vitest does).
const baseDir = fileURLToPath(new URL('./fixtures/folders/', import.meta.url));

const names = (orm: MikroORM) =>
  orm
    .getMetadata()
    .all()
    .map(m => m.className)
    .sort();

test('globs and folders find the exported entities, relations across files included', async () => {
  const { orm } = await setup({ entities: ['dist/**/*.entity.mjs'], baseDir, preferTs: false });
  expect(names(orm)).toEqual(['Author', 'Book', 'Tag']);
  const em = orm.em.fork();
  const Author = orm.getMetadata().get('Author').class;
  const Book = orm.getMetadata().get('Book').class;
  em.create(Book, { title: 'T', author: em.create(Author, { name: 'A' }) });
  await em.flush();
  const [book] = await orm.em.fork().find(Book, {}, { populate: ['author'] });
  expect([book.title, book.author.name]).toEqual(['T', 'A']);
  await orm.close();
  // A folder: every source file in it; with a file path.
  const { orm: byFolder } = await setup({ entities: ['./dist/nested', 'dist/author.entity.mjs'], baseDir, preferTs: false });
  expect(names(byFolder)).toEqual(['Author', 'Book', 'Tag']);
  await byFolder.close();
});

test('entitiesTs is taken in TypeScript; new MikroORM() needs classes', async () => {
  const { orm } = await setup({ entities: ['dist/*.entity.mjs'], entitiesTs: ['src/*.entity.ts'], baseDir });
  expect(names(orm)).toEqual(['Note']);
  await orm.close();
  const err = await failure(() => new MikroORM({ entities: ['dist/**/*.mjs'], dbName: ':memory:' }));
  expect(err).toBeInstanceOf(MetadataError);
  expect(err.message).toBe("Folder-based discovery ('dist/**/*.mjs') needs the async MikroORM.init(); new MikroORM() takes entity classes and schemas only");
});

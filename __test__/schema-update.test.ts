import { afterAll, describe, expect, test } from 'vitest';
import * as mysql from '@mikro-native/mysql';
import * as postgresql from '@mikro-native/postgresql';
import { defineEntity, NotImplementedError, p } from '@mikro-native/sqlite';
import { failure, setup } from './helpers.js';

// Schema diffing (issue 4, item 5): each case creates schema A, then asks for the difference to
// schema B, runs `update()` and checks that nothing is left. The expected SQL is what
// @mikro-orm/postgresql and @mikro-orm/mysql 7.2.1 returned for the same cases on this machine's
// PostgreSQL and MariaDB servers (getUpdateSchemaSQL() with the options given).

type Build = (pp: typeof p, d: typeof defineEntity) => unknown[];
interface Case {
  title: string;
  A: Build;
  B: Build;
  /** By database; none where MikroORM fails (a native enum type on MySQL). */
  expected: { pg?: Record<string, string>; my?: Record<string, string> };
}

const cases: Case[] = [
  {
    title: "1. no change at all",
    A: (p, d) => { const Author = d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), age: p.integer().nullable() } });
      const Book = d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: p.manyToOne(Author) } }); return [Author, Book]; },
    B: (p, d) => { const Author = d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), age: p.integer().nullable() } });
      const Book = d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: p.manyToOne(Author) } }); return [Author, Book]; },
    expected: {
      "pg": {
        "{}": ""
      },
      "my": {
        "{}": ""
      }
    },
  },
  {
    title: "2. new table added (with many-to-one FK to existing table)",
    A: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } })],
    B: (p, d) => { const Author = d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } });
      const Book = d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: p.manyToOne(Author) } }); return [Author, Book]; },
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\ncreate table \"book\" (\"id\" serial primary key, \"title\" varchar(255) not null, \"author_id\" int not null);\n\nalter table \"book\" add constraint \"book_author_id_foreign\" foreign key (\"author_id\") references \"author\" (\"id\");\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\ncreate table `book` (`id` int unsigned not null auto_increment primary key, `title` varchar(255) not null, `author_id` int unsigned not null) default character set utf8mb4 engine = InnoDB;\nalter table `book` add index `book_author_id_index` (`author_id`);\n\nalter table `book` add constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`);\n"
      }
    },
  },
  {
    title: "3. tables removed (entities dropped)",
    A: (p, d) => { const Author = d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } });
      const Book = d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: p.manyToOne(Author) } });
      const Tag = d({ name: 'Tag', properties: { id: p.integer().primary(), label: p.string() } }); return [Author, Book, Tag]; },
    B: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\ndrop table if exists \"book\" cascade;\ndrop table if exists \"tag\" cascade;\n",
        "{\"dropTables\":false}": "",
        "{\"safe\":true}": "",
        "{\"safe\":true,\"dropTables\":true}": ""
      },
      "my": {
        "{}": "set names utf8mb4;\n\ndrop table if exists `book`;\ndrop table if exists `tag`;\n",
        "{\"dropTables\":false}": "",
        "{\"safe\":true}": "",
        "{\"safe\":true,\"dropTables\":true}": ""
      }
    },
  },
  {
    title: "4. columns added (nullable string; non-null integer with default; non-null string without default)",
    A: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } })],
    B: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), nick: p.string().nullable(), score: p.integer().default(0), code: p.string() } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"author\" add \"nick\" varchar(255) null, add \"score\" int not null default 0, add \"code\" varchar(255) not null;\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `author` add `nick` varchar(255) null, add `score` int not null default 0, add `code` varchar(255) not null;\n"
      }
    },
  },
  {
    title: "5. columns removed",
    A: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), age: p.integer().nullable(), bio: p.text().nullable() } })],
    B: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"author\" drop column \"age\", drop column \"bio\";\n",
        "{\"safe\":true}": "",
        "{\"dropTables\":false}": "set names 'utf8';\n\nalter table \"author\" drop column \"age\", drop column \"bio\";\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `author` drop column `age`, drop column `bio`;\n",
        "{\"safe\":true}": "",
        "{\"dropTables\":false}": "set names utf8mb4;\n\nalter table `author` drop column `age`, drop column `bio`;\n"
      }
    },
  },
  {
    title: "6. column types changed (string -> text, integer -> bigint, varchar(255) -> varchar(100))",
    A: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), a: p.string(), b: p.integer(), c: p.string() } })],
    B: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), a: p.text(), b: p.bigint(), c: p.string().length(100) } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"item\" alter column \"a\" type text using (\"a\"::text);\nalter table \"item\" alter column \"b\" type bigint using (\"b\"::bigint);\nalter table \"item\" alter column \"c\" type varchar(100) using (\"c\"::varchar(100));\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `item` modify `a` text not null;\nalter table `item` modify `b` bigint not null;\nalter table `item` modify `c` varchar(100) not null;\n"
      }
    },
  },
  {
    title: "7. nullability changed both ways",
    A: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), x: p.string(), y: p.string().nullable(), n: p.integer(), m: p.integer().nullable() } })],
    B: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), x: p.string().nullable(), y: p.string(), n: p.integer().nullable(), m: p.integer() } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"item\" alter column \"x\" drop not null;\nalter table \"item\" alter column \"y\" set not null;\nalter table \"item\" alter column \"n\" drop not null;\nalter table \"item\" alter column \"m\" set not null;\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `item` modify `x` varchar(255) null;\nalter table `item` modify `y` varchar(255) not null;\nalter table `item` modify `n` int null;\nalter table `item` modify `m` int not null;\n"
      }
    },
  },
  {
    title: "8. defaults added / changed / removed",
    A: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), a: p.string(), b: p.integer().default(1), c: p.string().default('x'), d: p.integer() } })],
    B: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), a: p.string().default('foo'), b: p.integer().default(2), c: p.string(), d: p.integer().default(5) } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"item\" alter column \"a\" set default 'foo';\nalter table \"item\" alter column \"b\" set default 2;\nalter table \"item\" alter column \"c\" drop default;\nalter table \"item\" alter column \"d\" set default 5;\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `item` modify `a` varchar(255) not null default 'foo';\nalter table `item` modify `b` int not null default 2;\nalter table `item` modify `c` varchar(255) not null;\nalter table `item` modify `d` int not null default 5;\n"
      }
    },
  },
  {
    title: "9. index added and removed; unique added and removed",
    A: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), a: p.string(), b: p.string().index(), c: p.string(), d: p.string().unique() } })],
    B: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), a: p.string().index(), b: p.string(), c: p.string().unique(), d: p.string() } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\ndrop index \"item_b_index\";\nalter table \"item\" drop constraint \"item_d_unique\";\ncreate index \"item_a_index\" on \"item\" (\"a\");\nalter table \"item\" add constraint \"item_c_unique\" unique (\"c\");\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `item` drop index `item_b_index`;\nalter table `item` drop index `item_d_unique`;\nalter table `item` add index `item_a_index` (`a`);\nalter table `item` add unique `item_c_unique` (`c`);\n"
      }
    },
  },
  {
    title: "10a. many-to-one added to an existing table",
    A: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } }), d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string() } })],
    B: (p, d) => { const Author = d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } });
      const Book = d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: p.manyToOne(Author) } }); return [Author, Book]; },
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"book\" add \"author_id\" int not null;\nalter table \"book\" add constraint \"book_author_id_foreign\" foreign key (\"author_id\") references \"author\" (\"id\");\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `book` add `author_id` int unsigned not null;\nalter table `book` add constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`);\nalter table `book` add index `book_author_id_index` (`author_id`);\n"
      }
    },
  },
  {
    title: "10c. many-to-one removed from an existing table",
    A: (p, d) => { const Author = d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } });
      const Book = d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: p.manyToOne(Author) } }); return [Author, Book]; },
    B: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } }), d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string() } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"book\" drop constraint \"book_author_id_foreign\";\n\nalter table \"book\" drop column \"author_id\";\n",
        "{\"safe\":true}": "set names 'utf8';\n\nalter table \"book\" drop constraint \"book_author_id_foreign\";\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `book` drop foreign key `book_author_id_foreign`;\n\nalter table `book` drop index `book_author_id_index`;\nalter table `book` drop column `author_id`;\n",
        "{\"safe\":true}": "set names utf8mb4;\n\nalter table `book` drop foreign key `book_author_id_foreign`;\n\nalter table `book` drop index `book_author_id_index`;\n"
      }
    },
  },
  {
    title: "11a. native enum (nativeEnumName) item added",
    A: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), e: p.enum(['a', 'b']).nativeEnumName('my_enum') } })],
    B: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), e: p.enum(['a', 'b', 'c']).nativeEnumName('my_enum') } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter type \"my_enum\" add value if not exists 'c' after 'b';\n"
      }
    },
  },
  {
    title: "11d. plain enum (check constraint on PG, enum column type on MySQL) item added",
    A: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), f: p.enum(['x', 'y']) } })],
    B: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), f: p.enum(['x', 'y', 'z']) } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"item\" drop constraint \"item_f_check\";\nalter table \"item\" add constraint \"item_f_check\" check (\"f\" in ('x', 'y', 'z'));\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `item` modify `f` enum('x','y','z') not null;\n"
      }
    },
  },
  {
    title: "12a. column renamed (property name -> column name change, same type)",
    A: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), age: p.integer() } })],
    B: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), fullName: p.string(), age: p.integer() } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"author\" rename column \"name\" to \"full_name\";\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `author` change `name` `full_name` varchar(255) not null;\n"
      }
    },
  },
  {
    title: "12c. ambiguous rename: two same-type columns both renamed",
    A: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), a: p.string(), b: p.string() } })],
    B: (p, d) => [d({ name: 'Author', properties: { id: p.integer().primary(), c: p.string(), d: p.string() } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"author\" drop column \"a\", drop column \"b\";\nalter table \"author\" add \"c\" varchar(255) not null, add \"d\" varchar(255) not null;\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `author` drop column `a`, drop column `b`;\nalter table `author` add `c` varchar(255) not null, add `d` varchar(255) not null;\n"
      }
    },
  },
  {
    title: "13. (extra) one column with type + nullability + default changed at once",
    A: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), a: p.string(), b: p.integer().nullable().default(3) } })],
    B: (p, d) => [d({ name: 'Item', properties: { id: p.integer().primary(), a: p.text().nullable().default('z'), b: p.bigint() } })],
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\nalter table \"item\" alter column \"a\" type text using (\"a\"::text);\nalter table \"item\" alter column \"a\" set default 'z';\nalter table \"item\" alter column \"a\" drop not null;\nalter table \"item\" alter column \"b\" drop default;\nalter table \"item\" alter column \"b\" type bigint using (\"b\"::bigint);\nalter table \"item\" alter column \"b\" set not null;\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\nalter table `item` modify `a` text null default ('z');\nalter table `item` modify `b` bigint not null;\n"
      }
    },
  },
  {
    title: "14. (extra) combined: new table + removed table + two altered tables (ordering of blocks)",
    A: (p, d) => { const Author = d({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), age: p.integer().nullable() } });
      const Book = d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: p.manyToOne(Author), isbn: p.string().index() } });
      const Tag = d({ name: 'Tag', properties: { id: p.integer().primary(), label: p.string() } }); return [Author, Book, Tag]; },
    B: (p, d) => { const Author = d({ name: 'Author', properties: { id: p.integer().primary(), name: p.text(), email: p.string().nullable() } });
      const Book = d({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), isbn: p.string(), pages: p.integer().default(0) } });
      const Publisher = d({ name: 'Publisher', properties: { id: p.integer().primary(), name: p.string(), owner: p.manyToOne(Author) } }); return [Author, Book, Publisher]; },
    expected: {
      "pg": {
        "{}": "set names 'utf8';\n\ncreate table \"publisher\" (\"id\" serial primary key, \"name\" varchar(255) not null, \"owner_id\" int not null);\n\ndrop table if exists \"tag\" cascade;\n\nalter table \"book\" drop constraint \"book_author_id_foreign\";\n\nalter table \"author\" drop column \"age\";\nalter table \"author\" add \"email\" varchar(255) null;\nalter table \"author\" alter column \"name\" type text using (\"name\"::text);\n\ndrop index \"book_isbn_index\";\nalter table \"book\" drop column \"author_id\";\nalter table \"book\" add \"pages\" int not null default 0;\n\nalter table \"publisher\" add constraint \"publisher_owner_id_foreign\" foreign key (\"owner_id\") references \"author\" (\"id\");\n",
        "{\"safe\":true}": "set names 'utf8';\n\ncreate table \"publisher\" (\"id\" serial primary key, \"name\" varchar(255) not null, \"owner_id\" int not null);\n\nalter table \"book\" drop constraint \"book_author_id_foreign\";\n\nalter table \"author\" add \"email\" varchar(255) null;\nalter table \"author\" alter column \"name\" type text using (\"name\"::text);\n\ndrop index \"book_isbn_index\";\nalter table \"book\" add \"pages\" int not null default 0;\n\nalter table \"publisher\" add constraint \"publisher_owner_id_foreign\" foreign key (\"owner_id\") references \"author\" (\"id\");\n"
      },
      "my": {
        "{}": "set names utf8mb4;\n\ncreate table `publisher` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null, `owner_id` int unsigned not null) default character set utf8mb4 engine = InnoDB;\nalter table `publisher` add index `publisher_owner_id_index` (`owner_id`);\n\ndrop table if exists `tag`;\n\nalter table `book` drop foreign key `book_author_id_foreign`;\n\nalter table `author` drop column `age`;\nalter table `author` add `email` varchar(255) null;\nalter table `author` modify `name` text not null;\n\nalter table `book` drop index `book_author_id_index`;\nalter table `book` drop index `book_isbn_index`;\nalter table `book` drop column `author_id`;\nalter table `book` add `pages` int not null default 0;\n\nalter table `publisher` add constraint `publisher_owner_id_foreign` foreign key (`owner_id`) references `author` (`id`);\n",
        "{\"safe\":true}": "set names utf8mb4;\n\ncreate table `publisher` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null, `owner_id` int unsigned not null) default character set utf8mb4 engine = InnoDB;\nalter table `publisher` add index `publisher_owner_id_index` (`owner_id`);\n\nalter table `book` drop foreign key `book_author_id_foreign`;\n\nalter table `author` add `email` varchar(255) null;\nalter table `author` modify `name` text not null;\n\nalter table `book` drop index `book_author_id_index`;\nalter table `book` drop index `book_isbn_index`;\nalter table `book` add `pages` int not null default 0;\n\nalter table `publisher` add constraint `publisher_owner_id_foreign` foreign key (`owner_id`) references `author` (`id`);\n"
      }
    },
  },];

const servers = [
  ['pg', postgresql, { host: '127.0.0.1', port: 5432, user: 'postgres' }, 'postgres'],
  ['my', mysql, { host: '127.0.0.1', port: 3306, user: 'root' }, 'mysql'],
] as const;
const dbName = 'mikro_native_schema_update';
/** The entity of the ORMs that only create and drop the database. */
const Admin = defineEntity({ name: 'Admin', properties: { id: p.integer().primary() } });

afterAll(async () => {
  for (const [, mod, connection, admin] of servers) {
    const orm = await mod.MikroORM.init({ entities: [Admin], dbName: admin, ...connection });
    await orm.em.execute(`drop database if exists ${dbName}`);
    await orm.close();
  }
});

for (const [db, mod, connection, admin] of servers) {
  describe(`getUpdateSchemaSQL() and update() on ${db === 'pg' ? 'PostgreSQL' : 'MySQL (MariaDB)'}`, () => {
    for (const c of cases.filter(x => x.expected[db])) {
      test(c.title, async () => {
        const reset = await mod.MikroORM.init({ entities: [Admin], dbName: admin, ...connection });
        await reset.em.execute(`drop database if exists ${dbName}`);
        await reset.em.execute(`create database ${dbName}`);
        await reset.close();
        const before = await mod.MikroORM.init({ entities: c.A(p, defineEntity), dbName, ...connection });
        await before.schema.create();
        await before.close();
        const orm = await mod.MikroORM.init({ entities: c.B(p, defineEntity), dbName, ...connection });
        for (const [options, sql] of Object.entries(c.expected[db]!)) {
          expect(await orm.schema.getUpdateSchemaSQL(JSON.parse(options)), options).toBe(sql);
          const unwrapped = sql.replace(/^set names [^;]*;\n\n/, '');
          expect(await orm.schema.getUpdateSchemaSQL({ ...JSON.parse(options), wrap: false }), options).toBe(unwrapped);
        }
        await orm.schema.update();
        expect(await orm.schema.getUpdateSchemaSQL()).toBe('');
        await orm.close();
      });
    }
  });
}

test('MySQL (MariaDB): a view no entity maps is dropped with the tables (as @mikro-orm/mysql 7.2.1 writes it)', async () => {
  const [, mod, connection, admin] = servers[1];
  const reset = await mod.MikroORM.init({ entities: [Admin], dbName: admin, ...connection });
  await reset.em.execute(`drop database if exists ${dbName}`);
  await reset.em.execute(`create database ${dbName}`);
  await reset.close();
  const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } });
  const orm = await mod.MikroORM.init({ entities: [Author], dbName, ...connection });
  await orm.schema.create();
  await orm.em.execute('create view v as select 1 as one');
  await orm.em.execute('create table gone (id int primary key)');
  expect(await orm.schema.getUpdateSchemaSQL()).toBe('set names utf8mb4;\n\ndrop view if exists `v`;\ndrop table if exists `gone`;\n');
  await orm.schema.update();
  expect(await orm.schema.getUpdateSchemaSQL()).toBe('');
  await orm.close();
});

test('SQLite: schema diffing is not implemented yet, and says so', async () => {
  const ctx = await setup({ entities: [defineEntity({ name: 'Thing', properties: { id: p.integer().primary() } })] });
  const err = await failure(ctx.orm.schema.update());
  expect(err).toBeInstanceOf(NotImplementedError);
  expect(err.message).toBe('SchemaGenerator.update() (schema diffing) on sqlite is not implemented in mikro-native yet; use create(), drop() or refresh()');
  await ctx.orm.close();
});

// Raw-driver baseline: the same steps as workload.mjs, written directly against better-sqlite3
// (prepared statements, one transaction per write step, rows mapped to plain objects).
// This is the floor an ORM on the same SQLite engine can approach.

import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { resolveOptions, measure, summarize, median, randomPassword, check, RELATION_AUTHORS, BOOKS_PER_AUTHOR, COLLECTION_ITEMS, LINK_BOOKS, LINK_TAGS, PAGE_SIZE } from './harness.mjs';

// same DDL MikroORM 7.2.2 generates for the benchmark's User entity
const SCHEMA = `
create table \`user\` (\`id\` integer not null primary key autoincrement, \`name\` text not null, \`email\` text not null,
  \`password\` text not null, \`age\` integer null, \`terms_accepted\` integer not null default false);
create unique index \`user_email_unique\` on \`user\` (\`email\`);
create table \`writer\` (\`id\` integer not null primary key autoincrement, \`name\` text not null);
create table \`novel\` (\`id\` integer not null primary key autoincrement, \`title\` text not null, \`writer_id\` integer not null,
  constraint \`novel_writer_id_foreign\` foreign key (\`writer_id\`) references \`writer\` (\`id\`));
create index \`novel_writer_id_index\` on \`novel\` (\`writer_id\`);
create table \`label\` (\`id\` integer not null primary key autoincrement, \`name\` text not null);
create table \`album\` (\`id\` integer not null primary key autoincrement, \`title\` text not null);
create table \`album_labels\` (\`album_id\` integer not null, \`label_id\` integer not null, primary key (\`album_id\`, \`label_id\`),
  constraint \`album_labels_album_id_foreign\` foreign key (\`album_id\`) references \`album\` (\`id\`) on update cascade on delete cascade,
  constraint \`album_labels_label_id_foreign\` foreign key (\`label_id\`) references \`label\` (\`id\`) on update cascade on delete cascade);
create index \`album_labels_album_id_index\` on \`album_labels\` (\`album_id\`);
create index \`album_labels_label_id_index\` on \`album_labels\` (\`label_id\`);
`;

/**
 * @param {object} [options] warmup, runs, rows, lookups, steps, gc, log (defaults from BENCH_* env)
 * @returns {Promise<Record<string, { median: number, mean: number, min: number }>>} per-step stats in ms
 */
export async function run(options = {}) {
  const opts = resolveOptions(options);
  const N = opts.rows;

  const db = new Database(':memory:');
  db.pragma('foreign_keys = on');
  db.exec(SCHEMA);

  const insertStmt = db.prepare('insert into `user` (`name`, `email`, `password`, `terms_accepted`) values (?, ?, ?, 0)');
  const selectAllStmt = db.prepare('select * from `user`');
  const selectOneStmt = db.prepare('select * from `user` where `id` = ?');
  const updateStmt = db.prepare('update `user` set `password` = ? where `id` = ?');
  const deleteStmt = db.prepare('delete from `user` where `id` = ?');
  const clearStmt = db.prepare('delete from `user`');

  const toObject = (r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    password: r.password,
    age: r.age,
    termsAccepted: r.terms_accepted === 1,
  });

  const insertTx = db.transaction((users) => {
    for (const u of users) u.id = Number(insertStmt.run(u.name, u.email, u.password).lastInsertRowid);
  });
  const updateTx = db.transaction((users) => {
    for (const u of users) updateStmt.run(u.password, u.id);
  });
  const deleteTx = db.transaction((users) => {
    for (const u of users) deleteStmt.run(u.id);
  });

  const createUsers = (count) => {
    const users = new Array(count);
    for (let i = 0; i < count; i++) {
      users[i] = { id: undefined, name: `User ${i}`, email: `user${i}@example.com`, password: randomPassword(), age: null, termsAccepted: false };
    }
    insertTx(users);
    return users;
  };
  const loadAll = () => selectAllStmt.all().map(toObject);
  const insertAndLoad = () => {
    createUsers(N);
    const users = loadAll();
    check(users.length === N, `setup loaded ${users.length} rows, expected ${N}`);
    return { users };
  };
  const cleanup = () => {
    clearStmt.run();
  };
  const verifyObjects = (objects) => {
    check(objects.length === N, `got ${objects.length} objects, expected ${N}`);
    const o = objects[0];
    check(typeof o.id === 'number' && o.age === null && o.termsAccepted === false && o.password.length === 8, `bad object ${JSON.stringify(o)}`);
  };

  const result = {};
  const want = new Set(opts.steps);

  try {
    if (want.has('create')) {
      const { samples } = await measure(opts, 'create', {
        body: () => createUsers(N),
        verify: (_ctx, users) => {
          check(users.every((u) => typeof u.id === 'number'), 'missing ids');
          check(loadAll().length === N, 'row count after create');
        },
        cleanup,
      });
      result.create = summarize(samples);
    }

    if (want.has('find')) {
      const { samples } = await measure(opts, 'find', {
        setup: () => createUsers(N),
        body: () => loadAll(),
        verify: (_ctx, objects) => verifyObjects(objects),
        cleanup,
      });
      result.find = summarize(samples);
    }

    if (want.has('serialize')) {
      const { samples } = await measure(opts, 'serialize', {
        setup: insertAndLoad,
        body: ({ users }) => {
          const out = new Array(users.length);
          for (let i = 0; i < users.length; i++) out[i] = { ...users[i] };
          return out;
        },
        verify: (_ctx, objects) => verifyObjects(objects),
        cleanup,
      });
      result.serialize = summarize(samples);
    }

    if (want.has('update')) {
      const { samples } = await measure(opts, 'update', {
        setup: insertAndLoad,
        body: ({ users }) => {
          for (const u of users) u.password = randomPassword();
          updateTx(users);
        },
        verify: ({ users }) => {
          const expected = new Map(users.map((u) => [u.id, u.password]));
          check(loadAll().every((u) => expected.get(u.id) === u.password), 'updated passwords not persisted');
        },
        cleanup,
      });
      result.update = summarize(samples);
    }

    if (want.has('delete')) {
      const { samples } = await measure(opts, 'delete', {
        setup: insertAndLoad,
        body: ({ users }) => deleteTx(users),
        verify: () => check(loadAll().length === 0, 'rows left after delete'),
        cleanup,
      });
      result.delete = summarize(samples);
    }

    const insertWriter = db.prepare('insert into `writer` (`name`) values (?)');
    const insertNovel = db.prepare('insert into `novel` (`title`, `writer_id`) values (?, ?)');
    const clearRelations = () => db.exec('delete from `novel`; delete from `writer`;');
    const seedWriters = db.transaction(() => {
      for (let a = 0; a < RELATION_AUTHORS; a++) {
        const id = Number(insertWriter.run(`Writer ${a}`).lastInsertRowid);
        for (let b = 0; b < BOOKS_PER_AUTHOR; b++) insertNovel.run(`Novel ${a}/${b}`, id);
      }
    });
    const verifyWriters = (_ctx, writers) => {
      check(writers.length === RELATION_AUTHORS, `populate loaded ${writers.length} writers, expected ${RELATION_AUTHORS}`);
      check(writers.every((w) => w.books.length === BOOKS_PER_AUTHOR), 'a writer has the wrong number of books');
    };
    if (want.has('populateSelectIn')) {
      const { samples } = await measure(opts, `populate ${RELATION_AUTHORS}x${BOOKS_PER_AUTHOR} (select-in)`, {
        setup: seedWriters,
        body: () => {
          const writers = db.prepare('select * from `writer`').all().map((r) => ({ id: r.id, name: r.name, books: [] }));
          const byId = new Map(writers.map((w) => [w.id, w]));
          const ids = writers.map((w) => w.id);
          const rows = db.prepare(`select * from \`novel\` where \`writer_id\` in (${ids.map(() => '?').join(', ')})`).all(...ids);
          for (const r of rows) {
            const w = byId.get(r.writer_id);
            w.books.push({ id: r.id, title: r.title, writer: w });
          }
          return writers;
        },
        verify: verifyWriters,
        cleanup: clearRelations,
      });
      result.populateSelectIn = summarize(samples);
    }
    if (want.has('populateJoined')) {
      const joinedStmt = db.prepare(
        'select `w`.*, `n`.`id` as `n_id`, `n`.`title` as `n_title`, `n`.`writer_id` as `n_writer_id` from `writer` as `w` left join `novel` as `n` on `w`.`id` = `n`.`writer_id`',
      );
      const { samples } = await measure(opts, `populate ${RELATION_AUTHORS}x${BOOKS_PER_AUTHOR} (joined)`, {
        setup: seedWriters,
        body: () => {
          const byId = new Map();
          for (const r of joinedStmt.all()) {
            let w = byId.get(r.id);
            if (!w) byId.set(r.id, (w = { id: r.id, name: r.name, books: [] }));
            if (r.n_id !== null) w.books.push({ id: r.n_id, title: r.n_title, writer: w });
          }
          return [...byId.values()];
        },
        verify: verifyWriters,
        cleanup: clearRelations,
      });
      result.populateJoined = summarize(samples);
    }
    if (want.has('paginateJoined')) {
      // The same page query the ORMs send: the page's writer keys in a subquery, then the join.
      const pageStmt = db.prepare(
        "select `w`.*, `n`.`id` as `n_id`, `n`.`title` as `n_title`, `n`.`writer_id` as `n_writer_id` from `writer` as `w` left join `novel` as `n` on `w`.`id` = `n`.`writer_id` where `w`.`id` in (select `w`.`id` from (select `w`.`id` from `writer` as `w` left join `novel` as `n` on `w`.`id` = `n`.`writer_id` where `w`.`name` like ? group by `w`.`id` order by min(`w`.`name`) asc limit ? offset ?) as `w`) order by `w`.`name` asc",
      );
      const { samples } = await measure(opts, `page of ${PAGE_SIZE} writers with their books (joined, paginated)`, {
        setup: seedWriters,
        body: () => {
          const byId = new Map();
          for (const r of pageStmt.all('Writer%', PAGE_SIZE, PAGE_SIZE)) {
            let w = byId.get(r.id);
            if (!w) byId.set(r.id, (w = { id: r.id, name: r.name, books: [] }));
            if (r.n_id !== null) w.books.push({ id: r.n_id, title: r.n_title, writer: w });
          }
          return [...byId.values()];
        },
        verify: (_ctx, writers) => {
          check(writers.length === PAGE_SIZE, `the page has ${writers.length} writers, expected ${PAGE_SIZE}`);
          check(writers.every((w) => w.books.length === BOOKS_PER_AUTHOR), 'a writer of the page lacks books');
        },
        cleanup: clearRelations,
      });
      result.paginateJoined = summarize(samples);
    }
    if (want.has('collectionFlush')) {
      const flushTx = db.transaction((w) => {
        w.id = Number(insertWriter.run(w.name).lastInsertRowid);
        for (const b of w.books) b.id = Number(insertNovel.run(b.title, w.id).lastInsertRowid);
      });
      const { samples } = await measure(opts, `flush of one parent with ${COLLECTION_ITEMS} collection items`, {
        body: () => {
          const w = { id: undefined, name: 'Prolific', books: [] };
          for (let i = 0; i < COLLECTION_ITEMS; i++) w.books.push({ id: undefined, title: `Novel ${i}`, writer: w });
          flushTx(w);
          return w;
        },
        verify: (_ctx, w) => {
          const { n } = db.prepare('select count(*) as n from `novel` where `writer_id` = ?').get(w.id);
          check(n === COLLECTION_ITEMS, `database has ${n} items, expected ${COLLECTION_ITEMS}`);
        },
        cleanup: clearRelations,
      });
      result.collectionFlush = summarize(samples);
    }

    if (want.has('manyToManyFlush')) {
      const insertLabel = db.prepare('insert into `label` (`name`) values (?)');
      const insertAlbum = db.prepare('insert into `album` (`title`) values (?)');
      const insertLink = db.prepare('insert into `album_labels` (`label_id`, `album_id`) values (?, ?)');
      const linkTx = db.transaction((labels, albums) => {
        for (const l of labels) l.id = Number(insertLabel.run(l.name).lastInsertRowid);
        for (const a of albums) a.id = Number(insertAlbum.run(a.title).lastInsertRowid);
        for (const a of albums) for (const l of a.labels) insertLink.run(l.id, a.id);
      });
      const { samples } = await measure(opts, `flush of ${LINK_BOOKS} x ${LINK_TAGS} many-to-many links`, {
        body: () => {
          const labels = [];
          for (let t = 0; t < LINK_TAGS; t++) labels.push({ id: undefined, name: `Label ${t}` });
          const albums = [];
          for (let b = 0; b < LINK_BOOKS; b++) albums.push({ id: undefined, title: `Album ${b}`, labels });
          linkTx(labels, albums);
        },
        verify: () => {
          const { n } = db.prepare('select count(*) as n from `album_labels`').get();
          check(n === LINK_BOOKS * LINK_TAGS, `database has ${n} links, expected ${LINK_BOOKS * LINK_TAGS}`);
        },
        cleanup: () => db.exec('delete from `album_labels`; delete from `album`; delete from `label`;'),
      });
      result.manyToManyFlush = summarize(samples);
    }

    if (want.has('findOne')) {
      const L = opts.lookups;
      const { samples, results } = await measure(opts, `findOne x${L}`, {
        setup: () => createUsers(L).map((u) => ({ id: u.id, email: u.email })),
        body: (expected) => {
          const perCall = new Float64Array(expected.length);
          let wrong = 0;
          for (let i = 0; i < expected.length; i++) {
            const t0 = performance.now();
            const row = selectOneStmt.get(expected[i].id);
            const u = row === undefined ? null : toObject(row);
            perCall[i] = performance.now() - t0;
            if (u == null || u.email !== expected[i].email) wrong++;
          }
          return { perCall, wrong };
        },
        verify: (_expected, { wrong }) => check(wrong === 0, `findOne returned ${wrong} wrong or missing rows`),
        cleanup,
        keepResults: true,
      });
      check(results.every((r) => r.wrong === 0), 'findOne returned wrong or missing rows in a measured run');
      const allCalls = [];
      for (const r of results) for (const v of r.perCall) allCalls.push(v * 1000);
      result.findOne = {
        ...summarize(samples),
        lookups: L,
        perCallMedianUs: Math.round(median(allCalls) * 10) / 10,
        perCallMeanUs: Math.round((allCalls.reduce((a, b) => a + b, 0) / allCalls.length) * 10) / 10,
      };
    }
  } finally {
    db.close();
  }

  return result;
}

// Raw PostgreSQL baseline: node-pg (the driver @mikro-orm/postgresql uses), one client.
import { load } from './servers/load.mjs';
import { connection } from './harness.mjs';
import { runServer } from './raw-server.mjs';

export async function run(options = {}) {
  const { default: pg } = await load('pg');
  const { dbName, host, port, user } = connection();
  const admin = new pg.Client({ host, port, user, database: 'postgres' });
  await admin.connect();
  if ((await admin.query('select 1 from pg_database where datname = $1', [dbName])).rowCount === 0) await admin.query(`create database "${dbName}"`);
  await admin.end();
  const client = new pg.Client({ host, port, user, database: dbName });
  return runServer(
    {
      open: () => client.connect(),
      query: async (sql, params) => (await client.query(sql, params)).rows,
      insertIds: async (sql, params) => (await client.query(`${sql} returning "id"`, params)).rows.map((r) => r.id),
      ph: (n) => `$${n}`,
      q: (name) => `"${name}"`,
      bool: (v) => v,
      schema: [
        'drop table if exists "user" cascade',
        'create table "user" ("id" serial primary key, "name" varchar(255) not null, "email" varchar(255) not null, "password" varchar(255) not null, "age" int null, "terms_accepted" boolean not null default false)',
        'alter table "user" add constraint "user_email_unique" unique ("email")',
      ],
      close: () => client.end(),
    },
    options,
  );
}

// Raw MySQL baseline: mysql2 (the driver @mikro-orm/mysql uses), one connection, `query` with
// placeholders (mysql2 writes the values into the text, as MikroORM has it do).
import { load } from './servers/load.mjs';
import { connection } from './harness.mjs';
import { runServer } from './raw-server.mjs';

export async function run(options = {}) {
  const mysql = await load('mysql2/promise');
  const { dbName, host, port, user } = connection();
  const admin = await mysql.createConnection({ host, port, user });
  await admin.query(`create database if not exists \`${dbName}\``);
  await admin.end();
  let conn;
  return runServer(
    {
      open: async () => {
        conn = await mysql.createConnection({ host, port, user, database: dbName, supportBigNumbers: true, dateStrings: true });
      },
      query: async (sql, params) => {
        const [rows] = await conn.query(sql, params);
        return Array.isArray(rows) ? rows : [];
      },
      insertIds: async (sql, params, count) => {
        const [res] = await conn.query(sql, params);
        return Array.from({ length: count }, (_, i) => res.insertId + i);
      },
      ph: () => '?',
      q: (name) => `\`${name}\``,
      bool: (v) => v === 1 || v === true,
      schema: [
        'drop table if exists `album_labels`, `album`, `label`, `novel`, `writer`, `user`',
        'create table `user` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null, `email` varchar(255) not null, `password` varchar(255) not null, `age` int null, `terms_accepted` tinyint(1) not null default false) default character set utf8mb4 engine = InnoDB',
        'alter table `user` add unique `user_email_unique` (`email`)',
      ],
      close: () => conn.end(),
    },
    options,
  );
}

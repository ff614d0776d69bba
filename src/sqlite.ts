/**
 * The SQLite driver for the running Node. better-sqlite3 12 aborts on Node >= 24.19 when a
 * statement is garbage-collected at teardown (nodejs/node#65446: the ObjectWrap cleanup-hook
 * change); better-sqlite3 13 (node-addon-api, prebuilt) fixes that but crashes on Node 20.
 * So Node 22 and later load 13 (installed under the alias better-sqlite3-napi), Node 20 loads 12.
 */
import type BetterSqlite3 from 'better-sqlite3';

const major = Number(process.versions.node.split('.')[0]);

// eslint-disable-next-line @typescript-eslint/no-require-imports -- chosen at run time by Node version
const Database = (major >= 22 ? require('better-sqlite3-napi') : require('better-sqlite3')) as typeof BetterSqlite3;

export type SqliteDatabase = BetterSqlite3.Database;

export function openDatabase(file: string): SqliteDatabase {
  return new Database(file);
}

export type Statement = BetterSqlite3.Statement;

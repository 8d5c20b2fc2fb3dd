#!/usr/bin/env bash
# The whole test suite: installs, builds the addon and the TS layer, then engine unit tests,
# lint (per driver build), the public typings check and the vitest suite against real databases
# (SQLite files and memory, the PostgreSQL server on 127.0.0.1:5432, the MariaDB server on
# 127.0.0.1:3306 for the mysql and mariadb packages), then again on each server driver.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
node scripts/build-native.mjs --debug
npx tsc -p tsconfig.json
cargo fmt --all -- --check
cargo clippy --features sqlite --all-targets -- -D warnings
cargo clippy --features postgresql --all-targets -- -D warnings
cargo clippy --features mysql --all-targets -- -D warnings
cargo test -p mikro_native_engine
npx vitest run
# The suites again on each server driver (vitest.config.mjs lists the files that run there).
for server in postgresql mysql mariadb; do
  MIKRO_NATIVE_TEST_DRIVER=$server npx vitest run
done

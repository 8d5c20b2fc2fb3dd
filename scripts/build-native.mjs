// Builds the addon once per cargo feature (`cargo build --features <feature>`) and copies the
// library into the packages of that feature (mysql and mariadb share the MySQL build).
// `--debug` builds the dev profile (faster to compile).
import { execFileSync } from 'node:child_process';
import { copyFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const debug = process.argv.includes('--debug');
const builds = { sqlite: ['sqlite'], postgresql: ['postgresql'], mysql: ['mysql', 'mariadb'] };
const platform = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;
const libName = process.platform === 'darwin' ? 'libmikro_native.dylib' : process.platform === 'win32' ? 'mikro_native.dll' : 'libmikro_native.so';

for (const [feature, packages] of Object.entries(builds)) {
  const args = ['build', '--features', feature, ...(debug ? [] : ['--release'])];
  console.log(`> cargo ${args.join(' ')}`);
  execFileSync('cargo', args, { cwd: root, stdio: 'inherit' });
  const from = join(root, 'target', debug ? 'debug' : 'release', libName);
  for (const pkg of packages) {
    const to = join(root, 'packages', pkg, `mikro-native.${platform}.node`);
    // A new file renamed over the old one: processes still running the old library keep it.
    copyFileSync(from, `${to}.tmp`);
    renameSync(`${to}.tmp`, to);
    console.log(`> ${to}`);
  }
}

// Builds the addon once per driver package (`cargo build --features <driver>`) and copies the
// library into that package. `--debug` builds the dev profile (faster to compile).
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const debug = process.argv.includes('--debug');
const drivers = ['sqlite', 'postgresql'];
const platform = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;
const libName = process.platform === 'darwin' ? 'libmikro_native.dylib' : process.platform === 'win32' ? 'mikro_native.dll' : 'libmikro_native.so';

for (const driver of drivers) {
  const args = ['build', '--features', driver, ...(debug ? [] : ['--release'])];
  console.log(`> cargo ${args.join(' ')}`);
  execFileSync('cargo', args, { cwd: root, stdio: 'inherit' });
  const from = join(root, 'target', debug ? 'debug' : 'release', libName);
  const to = join(root, 'packages', driver, `mikro-native.${platform}.node`);
  copyFileSync(from, to);
  console.log(`> ${to}`);
}

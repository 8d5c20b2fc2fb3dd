import { createRequire } from 'node:module';

/**
 * Loads a driver package's native build: `mikro-native.<platform>.node` next to the package's
 * `index.js` (`packageUrl`, its `import.meta.url`), else the `@mikro-native/<name>-<platform>`
 * package.
 */
export function loadBinding<T>(packageUrl: string, name: string): T {
  const require = createRequire(packageUrl);
  const platform = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;
  try {
    return require(`./mikro-native.${platform}.node`) as T;
  } catch (local) {
    try {
      return require(`@mikro-native/${name}-${platform}`) as T;
    } catch {
      throw new Error(`@mikro-native/${name}: no native build for ${platform} (run \`npm run build\` in the repository, or install @mikro-native/${name}-${platform}): ${(local as Error).message}`);
    }
  }
}

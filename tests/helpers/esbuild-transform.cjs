// Jest transform: TypeScript and ESM-only packages (middy, zod locales) to
// CommonJS with esbuild, already the project's bundler (no native add-on
// beyond esbuild's own binary).
const { transformSync } = require('esbuild');

module.exports = {
  process(source, path) {
    const { code, map } = transformSync(source, {
      loader: path.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: path,
      // Jest runs CommonJS without VM modules: lazy `import()` becomes a lazy require().
      supported: { 'dynamic-import': false },
    });
    return { code, map };
  },
};

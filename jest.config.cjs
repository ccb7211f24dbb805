// Unit and integration tests. TypeScript and the ESM-only packages are
// compiled to CommonJS by esbuild, so Jest runs without experimental VM modules.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/template/'],
  transform: { '^.+\\.(t|j|mj)s$': '<rootDir>/tests/helpers/esbuild-transform.cjs' },
  // middy and zod's per-locale modules are ESM-only.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|zod)/)'],
  moduleNameMapper: {
    // Sources import with NodeNext's .js suffixes; Jest resolves the .ts files.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // serverless/guardian-plugin.cjs loads TypeScript through tsx's API, which cannot run inside Jest.
    '^tsx/cjs/api$': '<rootDir>/tests/helpers/tsx-api.cjs',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  setupFiles: ['<rootDir>/tests/helpers/env.ts'],
  testTimeout: 20000,
};

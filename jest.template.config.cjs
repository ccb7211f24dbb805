// Checks the CloudFormation template written by `sls package` (run first by `npm run package:check`).
/** @type {import('jest').Config} */
module.exports = {
  ...require('./jest.config.cjs'),
  testPathIgnorePatterns: ['/node_modules/'],
  roots: ['<rootDir>/tests/template'],
};

'use strict';
/* global jest -- Jest's module wrapper provides it */

// Stands in for 'tsx/cjs/api' under Jest (jest.config.cjs moduleNameMapper).
// serverless/guardian-plugin.cjs loads the TypeScript it needs through tsx's
// API, whose loader cannot run inside Jest's module system; Jest compiles
// TypeScript itself, so the plugin's tsx require resolves through Jest.
const path = require('node:path');

module.exports = {
  require: (id, from) => jest.requireActual(path.resolve(path.dirname(from), id)),
};

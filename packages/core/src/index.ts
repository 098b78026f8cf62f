/** @module Public surface of @egiz/core: the pure domain shared by server, cli and web. */
export * from './model/index.js';
export * from './protocol/index.js';
export * from './rql/index.js';
export * from './policy/index.js';
export * from './examples/index.js';

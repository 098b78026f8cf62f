/** @module The Thing and Policy data model: JSON helpers, ids, pointers, merge patch, fields, ETags. */
export * from './json.js';
export * from './json-pointer.js';
export * from './entity-id.js';
export * from './merge-patch.js';
export * from './field-selector.js';
export * from './etag.js';
export * from './thing-resource.js';
export * from './thing-validation.js';
export * from './thing-state.js';
export * from './policy-state.js';

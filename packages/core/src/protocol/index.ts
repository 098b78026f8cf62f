/** @module Ditto protocol pieces shared by every edge: the error catalogue and DittoError. */
export * from './error-catalogue.js';
export * from './ditto-error.js';

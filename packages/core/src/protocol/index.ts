/**
 * @module Ditto protocol pieces shared by every edge: the error catalogue and DittoError, the
 * envelope, topics, headers, typed signals (things, policies, messages, acks, streaming) and the
 * WebSocket control messages.
 */
export * from './error-catalogue.js';
export * from './ditto-error.js';
export * from './topic.js';
export * from './headers.js';
export * from './envelope.js';
export * from './thing-signals.js';
export * from './policy-signals.js';
export * from './message-signals.js';
export * from './ack-signals.js';
export * from './streaming-signals.js';
export * from './control-frames.js';
export * from './signal.js';

/** @module Policy engine (placeholder until implemented). */
export {};

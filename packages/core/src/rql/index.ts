/** @module RQL: parser, AST and in-memory evaluator (placeholder until implemented). */
export {};

#!/usr/bin/env node
// The `egiz` executable: a committed, executable file (tsc does not set the mode of dist/ files),
// so that the bin link works right after `npm ci` + `npm run build`.
import '../dist/main.js';

#!/usr/bin/env node
/** @module The `egiz` command line (placeholder until the CLI issue lands: prints where to look). */
process.stdout.write('egiz CLI: not implemented yet. Use the HTTP API (see README).\n');

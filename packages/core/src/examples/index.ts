/** @module The example world and its simulation (shared by the server's seeding and the CLI). */
export * from './world.js';
export * from './simulate.js';

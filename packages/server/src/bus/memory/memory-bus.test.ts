/** @module The bus contract on the in-process MemoryBus. */
import { runBusContract } from '../bus-contract.testkit.js';
import { MemoryBus } from './memory-bus.js';

runBusContract('memory', () => {
  const bus = new MemoryBus();
  return Promise.resolve({ publisher: bus, subscriber: bus });
});

import { adapterSuite } from './adapter-suite';
import { memoryStorage } from './memory';
import type { TillStorage } from './types';

// One process-local storage: not durable, one instance.
const shared: TillStorage = memoryStorage();
adapterSuite('memory', { instances: 'one', open: async () => shared, closeAll: async () => undefined });

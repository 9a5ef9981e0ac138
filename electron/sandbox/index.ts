// The ShotGrid sandbox emulator: a local site faithful to docs/shotgrid-wire.md.
export { startSandbox, DEFAULT_SANDBOX_PORT } from './server.js';
export type { Sandbox, SandboxOptions, SandboxScript, SandboxStats } from './server.js';
export { SandboxStore } from './store.js';
export { noEventFaults } from './store-types.js';
export type { Actor, EventFaults, Row } from './store-types.js';
export { SandboxError } from './errors.js';
export type { HttpFault } from './faults.js';

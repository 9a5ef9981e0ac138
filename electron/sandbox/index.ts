// The ShotGrid sandbox emulator: a local site faithful to docs/shotgrid-wire.md.
export { startSandbox, DEFAULT_SANDBOX_PORT } from './server.js';
export type { Sandbox, SandboxOptions, SandboxScript, SandboxStats } from './server.js';
export { SandboxStore, noEventFaults } from './store.js';
export type { Actor, EventFaults, Row } from './store.js';
export { SandboxError } from './errors.js';
export type { HttpFault } from './faults.js';

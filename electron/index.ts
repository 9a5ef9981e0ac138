// The package's public surface for plugin authors and embedders:
//   import type { Registrar, CallbackContext, EventLogEntry, Shotgun } from 'shotgun-events';
export { definePlugin, LogLevel } from './engine/plugin-api.js';
export type {
  Callback,
  CallbackContext,
  CallbackFunction,
  CallbackObject,
  MatchEvents,
  PluginLogger,
  PluginModule,
  RegisterOptions,
  Registrar,
} from './engine/plugin-api.js';
export { Shotgun } from './shotgun/client.js';
export type { ShotgunOptions } from './shotgun/client-options.js';
export type { Entity, EntityRecord, EventLogEntry, Filter } from './shotgun/types.js';
export * from './shotgun/errors.js';
export { Engine } from './engine/engine.js';
export type { EngineOptions } from './engine/engine.js';
export type { PluginTest, TestOutcome, TestPluginOptions } from './testing/index.js';

// One place that picks the plugin host for a file: `.py` → a Python process (python-host.ts),
// anything else → a worker thread (plugin-host.ts). Both have the same promise API.

import { PluginHost, type PluginHostOptions } from '../plugin-host.js';
import { PythonHost, type PythonHostOptions } from './python-host.js';

export type AnyPluginHost = PluginHost | PythonHost;

export const isPythonPlugin = (file: string): boolean => file.endsWith('.py');

export function createPluginHost(opts: PluginHostOptions & Pick<PythonHostOptions, 'python' | 'env' | 'useApi3'>): AnyPluginHost {
  return isPythonPlugin(opts.file) ? new PythonHost(opts) : new PluginHost(opts);
}

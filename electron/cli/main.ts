#!/usr/bin/env node
// The `shotgun-events` command. Subcommands live in their own modules.

import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { checkCommand } from './check.js';
import { cursorCommand } from './cursor.js';
import { explainCommand } from './explain.js';
import { newPluginCommand } from './new-plugin.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { sandboxCommand } from './sandbox.js';
import { serviceCommand } from './service.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export function program(): Command {
  return new Command('shotgun-events')
    .description('The Shotgun Event Framework, rebuilt: poll ShotGrid EventLogEntry and dispatch to plugins')
    .version(pkg.version)
    .showHelpAfterError()
    .addCommand(runCommand())
    .addCommand(checkCommand())
    .addCommand(cursorCommand())
    .addCommand(sandboxCommand())
    .addCommand(explainCommand())
    .addCommand(replayCommand())
    .addCommand(newPluginCommand())
    .addCommand(serviceCommand());
}

program()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    process.stderr.write(`shotgun-events: ${(e as Error).message}\n`);
    process.exit(1);
  });

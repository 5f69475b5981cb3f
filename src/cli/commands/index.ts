// Every command of the CLI, one file each. A new command: a file exporting
// `register(program)`, listed here.

import type { Command } from 'commander';
import * as train from './train.js';
import * as evaluate from './eval.js';
import * as info from './info.js';

export const COMMANDS: { register(program: Command): void }[] = [train, evaluate, info];

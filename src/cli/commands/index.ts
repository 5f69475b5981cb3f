// Every command of the CLI, one file each. A new command: a file exporting
// `register(program)`, listed here.

import type { Command } from 'commander';
import * as train from './train.js';
import * as evaluate from './eval.js';
import * as info from './info.js';
import * as sample from './sample.js';
import * as score from './score.js';
import * as serve from './serve.js';
import * as exportCmd from './export.js';
import * as dashboard from './dashboard.js';
import * as generate from './generate.js';
import * as pretrain from './pretrain.js';
import * as verify from './verify.js';

export const COMMANDS: { register(program: Command): void }[] = [train, evaluate, info, serve, sample, score, exportCmd, dashboard, generate, pretrain, verify];

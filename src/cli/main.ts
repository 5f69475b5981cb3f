// The `myelin` command line. Human-readable progress goes to stderr; with --json a command's
// result is one JSON object on stdout. Errors print one clear line (the stack trace only with
// --verbose) and exit non-zero: 2 for usage errors, 1 for failures.

import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';

function buildProgram(): Command {
  const program = new Command('myelin')
    .description('myelin: deep learning for TypeScript on Node.js')
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError()
    .exitOverride();
  for (const command of COMMANDS) command.register(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    await buildProgram().parseAsync(argv.filter((a) => a !== '--verbose'), { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed its message (or the help) already
      return e.exitCode === 0 ? 0 : 2;
    }
    const err = e as Error;
    process.stderr.write(`myelin: error: ${err.message}\n`);
    if (verbose && err.stack) process.stderr.write(err.stack + '\n');
    return 1;
  }
}

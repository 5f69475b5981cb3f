// myelin dashboard: a web page over the run directories: runs with their config and final
// metrics, live scalar charts (several runs overlaid), pictures, confusion matrix, ROC curve.

import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createDashboard, DASHBOARD_DEFAULTS } from '../../dashboard/server.js';
import { readTokenFile } from '../../http/auth.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be an integer 0..65535, got '${v}'`);
  return n;
}

export function register(program: Command): void {
  program.command('dashboard')
    .description('web dashboard over training runs: metrics, live charts, pictures, confusion matrix, ROC')
    .option('--runs <dir>', 'directory holding the run directories', DASHBOARD_DEFAULTS.runs)
    .option('--port <n>', 'port (0: any free port)', port, DASHBOARD_DEFAULTS.port)
    .option('--host <addr>', 'address to listen on', DASHBOARD_DEFAULTS.host)
    .option('--auth-token-file <file>', 'require the token in FILE (Authorization: Bearer, or open /?token=TOKEN once in a browser) on every route but /healthz')
    .action(async (opts) => {
      const authToken = opts.authTokenFile !== undefined ? readTokenFile(opts.authTokenFile) : undefined;
      const d = createDashboard({ runs: opts.runs, port: opts.port, host: opts.host, authToken });
      const url = await d.listen();
      process.stderr.write(`myelin dashboard: runs under ${d.root}\n`);
      if (authToken) process.stderr.write(`  token required: open ${url}/?token=TOKEN (the token in ${opts.authTokenFile}) once in the browser\n`);
      process.stdout.write(`listening on ${url}\n`);
      const stop = () => { void d.close().then(() => process.exit(0)); };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      await new Promise(() => {});
    });
}

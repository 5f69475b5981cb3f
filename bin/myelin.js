#!/usr/bin/env -S node --initial-heap-size=256
// Entry point of the `myelin` command: runs the compiled CLI.
// The larger initial heap: a training step allocates tens of MB of short-lived tensor storage,
// and with V8's small default heap that triggers a full garbage collection every few steps
// (a quarter of the CPU of a seed-CNN run). V8 takes this only on the command line.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });

#!/usr/bin/env -S node --max-old-space-size=512
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import('../dist/cli.js').then((m) => m.main(process.argv.slice(2)));

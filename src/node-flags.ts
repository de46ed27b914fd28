/**
 * The Node.js flags partnergate runs with: `npm start`, the container image (NODE_OPTIONS in the
 * Dockerfile, which an operator may override) and the child processes of the benchmarks and the
 * fault suite. test/unit/node-flags.test.ts holds them to one another. The `partnergate` command
 * itself keeps a plain `#!/usr/bin/env node` (`env -S` is not portable): its one-off commands
 * (render, reconcile, audit) need no limit; run `start` or `worker` through npm start or the image.
 * A job that ever needed more than the limit would crash its worker, and BullMQ would retry it on
 * another: raise the limit then (NODE_OPTIONS in the image; here and the start script otherwise).
 *
 * --max-old-space-size=512: a heap limit, which also sets how far V8 lets the old generation grow
 * between full collections. With Node's default limit on a large machine (a quarter of its memory,
 * up to 4 GiB) V8 grows it up to four times the live objects before collecting: the worker, with
 * about 34 MiB live during a 1,000-partner fan-out, went to 140 MiB of old generation and an RSS of
 * 250 MiB. Under a 512 MiB limit the factor is about 1.4: collections every two seconds or so,
 * about 1% of the time, and the old generation stays under 60 MiB (docs/benchmarks.md, section 4).
 * 512 MiB is fifteen times what the worker holds; size the container at 768 MiB or more.
 */
export const NODE_FLAGS: readonly string[] = ['--max-old-space-size=512'];

/**
 * The layout's rules (docs/architecture.md "Layout"): arrows run one way.
 *   bot → actions; jobs → actions; actions → domain, store, ports; aws → domain and the renderer;
 *   src/bot/messages (pure Block Kit builders) is the one part of bot that actions and jobs may use;
 *   inside src/actions and src/jobs each capability is entered through its index.ts;
 *   nothing under the composition root reads configuration values; src never imports test.
 * `npm test` runs it (test/unit/architecture.test.ts proves it catches a wrong import).
 */
const ROOT = '^src/(main|container|cli|config|logger|metrics|redis|node-flags)\\.ts$|^src/(cli|container)/';
/** Root modules every layer may name: the Config type, and the logger (its type; its masking helpers). */
const ROOT_TYPES = '^src/(logger|config)\\.ts$';
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: { path: '^src/' }, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
    { name: 'src-not-test', severity: 'error', from: { path: '^(src|tools)/' }, to: { path: '^test/' } },
    { name: 'scripts-bench-not-test', severity: 'error', from: { path: '^(scripts|bench)/' }, to: { path: '^test/' } },
    {
      name: 'domain-is-pure', severity: 'error',
      comment: 'src/domain holds pure rules: it imports only itself (and node:crypto, zod).',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: ['^src/domain/', ROOT_TYPES] },
    },
    {
      name: 'store-below-actions', severity: 'error',
      comment: 'src/store (Redis) knows the domain, nothing above it.',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: ['^src/(store|domain)/', ROOT_TYPES] },
    },
    {
      name: 'aws-knows-no-feature', severity: 'error',
      comment: 'src/aws: SDK adapters and the pure renderer; they know the domain and nothing else.',
      from: { path: '^src/aws/' },
      to: { path: '^src/', pathNot: ['^src/(aws|domain)/', ROOT_TYPES] },
    },
    {
      name: 'renderer-is-pure', severity: 'error',
      comment: 'src/aws/policies is pure: no SDK, no adapters.',
      from: { path: '^src/aws/policies/' },
      to: { path: '^(src/aws/(?!policies/)|node_modules/@aws-sdk/)' },
    },
    {
      name: 'messages-are-pure', severity: 'error',
      comment: 'src/bot/messages: pure Block Kit builders over domain values.',
      from: { path: '^src/bot/messages/' },
      to: { path: '^src/', pathNot: ['^src/(bot/messages|domain)/', ROOT_TYPES] },
    },
    {
      name: 'actions-below-bot-and-jobs', severity: 'error',
      comment: 'Use cases take ports; they never import jobs, aws adapters, bot (but its pure messages) or the root.',
      from: { path: '^src/actions/' },
      to: { path: '^src/', pathNot: ['^src/(actions|domain|store|bot/messages|aws/policies)/', ROOT_TYPES] },
    },
    {
      name: 'jobs-not-bot', severity: 'error',
      comment: 'Jobs take from bot only its pure messages.',
      from: { path: '^src/jobs/' },
      to: { path: '^src/(bot/(?!messages/)|main|container|cli)' },
    },
    {
      name: 'bot-not-jobs-or-aws', severity: 'error',
      comment: 'The Slack app calls use cases; it never reaches jobs or AWS.',
      from: { path: '^src/bot/' },
      to: { path: '^src/(jobs|aws|store)/' },
    },
    {
      name: 'root-as-types-only', severity: 'error',
      comment: 'Only the composition root reads configuration and builds connections; below it, Config is a type.',
      from: { path: '^src/', pathNot: ROOT },
      to: { path: '^src/(main|container|cli|config|metrics|redis|node-flags)\\.ts$|^src/(cli|container)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'capability-through-index', severity: 'error',
      comment: 'From another capability, enter a capability only through its index.ts.',
      from: { path: '^src/(actions|jobs)/([^/]+)/' },
      to: { path: '^src/(actions|jobs)/[^/]+/(?!index\\.ts$)', pathNot: ['^src/$1/$2/', '^src/jobs/platform/', '^src/actions/ports\\.ts$'] },
    },
    {
      name: 'outside-through-index', severity: 'error',
      comment: 'From outside src/actions and src/jobs, enter a capability only through its index.ts.',
      from: { path: '^(src|scripts|bench|tools)/', pathNot: '^src/(actions|jobs)/[^/]+/' },
      to: { path: '^src/(actions|jobs)/[^/]+/(?!index\\.ts$)', pathNot: '^src/jobs/platform/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};

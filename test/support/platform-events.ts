/** The AWS event fixtures (CloudTrail through EventBridge, Access Analyzer findings) live in tools/local, shared with the benchmarks. */
export * from '../../tools/local/aws-events.js';

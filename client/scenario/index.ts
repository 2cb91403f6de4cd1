export * from './scenario-loader.ts';
export * from './scenario-result.ts';
export * from './scenario-runner.ts';
export * from './pattern-matcher.ts';
export * from './template-renderer.ts';
export * from './token-forge.ts';

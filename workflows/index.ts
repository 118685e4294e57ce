// The workflows the worker registers. Deterministic code only: see eslint.config.mjs.
export * from './grant';
export * from './reconcile';

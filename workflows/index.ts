// The workflows the worker registers. Deterministic code only: see eslint.config.mjs.
export { grantWorkflow } from './grant';
export { reconcileWorkflow } from './reconcile';
export { submissionWorkflow } from './submission';
export { notificationWorkflow } from './notifications';
export { requestWorkflow } from './request';

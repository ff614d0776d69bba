export * from './types';
export { plan, renderTrace, MATCH_PRIORITY } from './engine';
export { LIMITS } from './format';

export { AI_ENDPOINTS, AI_EVENTS, Company, demoAi, demoCompany } from './company';
export type { AircallCall, AircallNumber, AircallUser, AircallWebhook, Json } from './company';
export { DEFAULT_RATE_LIMIT, MAX_PER_PAGE, QUERY_CAP, startLocalAircall } from './server';
export type { LocalAircallOptions, RunningLocalAircall } from './server';
export { MAX_BLOCKS, MAX_LABEL, MAX_LINK, MAX_TEXT, readCard } from './cards';
export type { InsightBlock, InsightCard } from './cards';

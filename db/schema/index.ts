export { account, session, USER_ROLES, type UserRole, user, verification } from "./auth";
export { jwks } from "./jwks";
export { accountRateLimit, rateLimit } from "./rate-limit";
export { SESSION_EVENT_TYPES, sessionEvent, sessionPolicy } from "./session-policy";

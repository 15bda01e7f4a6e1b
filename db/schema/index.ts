export { account, session, USER_ROLES, type UserRole, user, verification } from "./auth";
export { SESSION_EVENT_TYPES, sessionEvent, sessionPolicy } from "./session-policy";

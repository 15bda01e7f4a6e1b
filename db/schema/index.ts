export { account, session, USER_ROLES, type UserRole, user, verification } from "./auth";
export { jwks } from "./jwks";
export { SESSION_EVENT_TYPES, sessionEvent, sessionPolicy } from "./session-policy";

export { account, session, USER_ROLES, type UserRole, user, verification } from "./auth";
export { jwks } from "./jwks";
export {
  accountLink,
  knownDevice,
  LINK_PURPOSES,
  type LinkData,
  type LinkPurpose,
  MAIL_STATUSES,
  type MailStatus,
  mailOutbox,
} from "./mail";
export { accountRateLimit, rateLimit } from "./rate-limit";
export { SESSION_EVENT_TYPES, sessionEvent, sessionPolicy } from "./session-policy";

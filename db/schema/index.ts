export { account, session, user, verification } from "./auth";

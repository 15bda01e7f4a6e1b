/**
 * Better Auth's client, used for what Better Auth owns: signing up, signing in and signing out.
 * Everything about sessions and the account goes through tRPC.
 */
import { createAuthClient } from "better-auth/react";

export const authClient = createAuthClient({ basePath: "/api/auth" });

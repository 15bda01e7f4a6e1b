/**
 * Input schemas shared by the SPA's forms and the server's procedures. zod is the largest
 * library of the SPA: bounds a page only displays live in ./api-limits, so a page that does not
 * validate does not load zod.
 */
import { z } from "zod";
import { NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./api-limits";

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`);

/** A password presented to prove identity: only bounded, never judged for strength. */
export const presentedPasswordSchema = z
  .string()
  .min(1, "Enter your password")
  .max(PASSWORD_MAX_LENGTH);

export const emailSchema = z.email("Enter a valid email address").max(254).trim().toLowerCase();

/** Better Auth's ids: letters and digits (and `-`/`_` for ids made elsewhere), never NUL or other text the database refuses. */
export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "Not a session id");

/** C0 controls and DEL: no name contains them, and PostgreSQL cannot store NUL in text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * A display name: trimmed, 1 to NAME_MAX_LENGTH UTF-16 code units, no control characters, and
 * well-formed Unicode (no lone surrogate, which PostgreSQL cannot store either). Sign-up (Better
 * Auth's user hooks, server/auth/better-auth.ts) and `account.changeName` hold names to this one rule.
 */
export const nameSchema = z
  .string()
  .trim()
  .min(1, "Enter your name")
  .max(NAME_MAX_LENGTH, `Use at most ${NAME_MAX_LENGTH} characters`)
  .refine(
    (name) =>
      !CONTROL_CHARACTERS.test(name) &&
      // String.prototype.isWellFormed (Node 20, every current browser) is newer than our `lib`.
      (name as unknown as { isWellFormed(): boolean }).isWellFormed(),
    "Use letters, digits, spaces and punctuation only: no tabs, line breaks or other control characters",
  );

export const revokeSessionInput = z.object({ id: sessionIdSchema });
export const reauthenticateInput = z.object({ password: presentedPasswordSchema });
export const changePasswordInput = z.object({
  currentPassword: presentedPasswordSchema,
  newPassword: passwordSchema,
  /** ASVS 7.4.3: ending the other sessions is the default after a password change. */
  revokeOtherSessions: z.boolean().default(true),
});
export const changeEmailInput = z.object({ newEmail: emailSchema });
export const changeNameInput = z.object({ name: nameSchema });

export const activityInput = z
  .object({
    /** The `nextCursor` of the previous page; absent for the newest events. */
    cursor: z.number().int().positive().nullish(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .default({ limit: 20 });

/** A token from a link sent by mail: 32 random bytes, base64url (server/account/links.ts). */
export const linkTokenSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, "This is not a link we sent");
export const linkInput = z.object({ token: linkTokenSchema });
export const resetPasswordInput = z.object({ token: linkTokenSchema, newPassword: passwordSchema });
/** An address to send a link to (password reset, verification): the answer never says if it has an account. */
export const sendLinkInput = z.object({ email: emailSchema });

export const adminRevokeUserSessionsInput = z.object({ email: emailSchema });

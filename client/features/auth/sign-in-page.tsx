import { type FormEvent, useState } from "react";
import { Link, Navigate } from "react-router";
import { Alert } from "../../components/alert";
import { AuthCard } from "../../components/auth-card";
import { TextField } from "../../components/text-field";
import { authClient } from "../../lib/auth-client";
import { isSignInNotice, signInNotices } from "../../lib/return-path";
import { useAuthForm, withNext } from "./use-auth-form";

/**
 * The shared schemas, and zod with them, load when the form is first used, not with the page:
 * this page is the first load of every signed-out visit (ADR 0025).
 */
const loadSchemas = () => import("../../../shared/schemas");

export function SignInPage() {
  const form = useAuthForm();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  // Signed in already (or just now): go where the user was heading.
  if (form.signedIn) return <Navigate to={form.next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { emailSchema, presentedPasswordSchema } = await loadSchemas();
    const parsedEmail = emailSchema.safeParse(email);
    if (!parsedEmail.success) {
      form.setFailure({ field: "email", message: "Enter a valid email address." });
      return;
    }
    if (!presentedPasswordSchema.safeParse(password).success) {
      form.setFailure({ field: "password", message: "Enter your password." });
      return;
    }
    await form.send(() => authClient.signIn.email({ email: parsedEmail.data, password }));
  };

  const notice = form.params.get("notice");
  return (
    <AuthCard title="Sign in">
      {isSignInNotice(notice) && (
        <Alert tone={signInNotices[notice].tone}>{signInNotices[notice].message}</Alert>
      )}
      {notice === "email-not-verified" && (
        <p className="center">
          <Link to="/verify-email">Send a new verification link</Link>
        </p>
      )}
      {form.formError && (
        <Alert tone="error">
          {form.formError}
          {form.failure?.unverified && (
            <>
              {" "}
              <Link to="/verify-email" state={{ email }}>
                Send a new link
              </Link>
            </>
          )}
        </Alert>
      )}
      <form onSubmit={submit} onFocus={() => void loadSchemas()} noValidate className="stack">
        <TextField
          label="Email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={form.fieldError("email")}
          required
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={form.fieldError("password")}
          required
        />
        <p className="field-aside">
          <Link to="/forgot-password" state={{ email }}>
            Forgot password?
          </Link>
        </p>
        <button type="submit" className="button primary wide" disabled={form.pending}>
          {form.pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="muted center">
        New here? <Link to={withNext("/sign-up", form.next)}>Create an account</Link>
      </p>
    </AuthCard>
  );
}

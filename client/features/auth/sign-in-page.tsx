import { type FormEvent, useState } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { emailSchema, presentedPasswordSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { TextField } from "../../components/text-field";
import { authClient } from "../../lib/auth-client";
import { isSignInNotice, safeReturnPath, signInNotices } from "../../lib/return-path";
import { trpc } from "../../lib/trpc";
import { AuthCard } from "./auth-card";
import { type AuthFailure, describeAuthError } from "./auth-errors";

export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeReturnPath(params.get("next"));
  const notice = params.get("notice");
  const current = trpc.session.current.useQuery();
  const utils = trpc.useUtils();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [failure, setFailure] = useState<AuthFailure | null>(null);
  const [pending, setPending] = useState(false);

  // Signed in already (or just now): go where the user was heading.
  if (current.data) return <Navigate to={next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsedEmail = emailSchema.safeParse(email);
    if (!parsedEmail.success) {
      setFailure({ field: "email", message: "Enter a valid email address." });
      return;
    }
    if (!presentedPasswordSchema.safeParse(password).success) {
      setFailure({ field: "password", message: "Enter your password." });
      return;
    }
    setPending(true);
    setFailure(null);
    const { error } = await authClient.signIn.email({ email: parsedEmail.data, password });
    if (error) {
      setFailure(describeAuthError(error));
      setPending(false);
      return;
    }
    await utils.session.current.invalidate();
  };

  const sessionEnded = notice === "session-ended";
  return (
    <AuthCard title="Sign in">
      {isSignInNotice(notice) && (
        <Alert tone={sessionEnded ? "info" : "success"}>{signInNotices[notice]}</Alert>
      )}
      {failure && !failure.field && <Alert tone="error">{failure.message}</Alert>}
      <form onSubmit={submit} noValidate className="stack">
        <TextField
          label="Email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={failure?.field === "email" ? failure.message : null}
          required
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={failure?.field === "password" ? failure.message : null}
          required
        />
        <button type="submit" className="button primary wide" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="muted center">
        New here? <Link to={withNext("/sign-up", next)}>Create an account</Link>
      </p>
    </AuthCard>
  );
}

/** Keeps the return path when switching between sign-in and sign-up. */
export function withNext(path: string, next: string) {
  return next === "/" ? path : `${path}?next=${encodeURIComponent(next)}`;
}

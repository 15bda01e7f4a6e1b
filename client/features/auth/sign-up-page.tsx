import { type FormEvent, useState } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { emailSchema, PASSWORD_MIN_LENGTH, passwordSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { TextField } from "../../components/text-field";
import { authClient } from "../../lib/auth-client";
import { safeReturnPath } from "../../lib/return-path";
import { trpc } from "../../lib/trpc";
import { AuthCard } from "./auth-card";
import { type AuthFailure, describeAuthError } from "./auth-errors";
import { withNext } from "./sign-in-page";

const NAME_MAX_LENGTH = 100;

export function SignUpPage() {
  const [params] = useSearchParams();
  const next = safeReturnPath(params.get("next"));
  const current = trpc.session.current.useQuery();
  const utils = trpc.useUtils();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [failure, setFailure] = useState<AuthFailure | null>(null);
  const [pending, setPending] = useState(false);

  if (current.data) return <Navigate to={next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmedName = name.trim();
    if (!trimmedName || trimmedName.length > NAME_MAX_LENGTH) {
      setFailure({
        field: "name",
        message: `Enter your name (up to ${NAME_MAX_LENGTH} characters).`,
      });
      return;
    }
    const parsedEmail = emailSchema.safeParse(email);
    if (!parsedEmail.success) {
      setFailure({ field: "email", message: "Enter a valid email address." });
      return;
    }
    const parsedPassword = passwordSchema.safeParse(password);
    if (!parsedPassword.success) {
      const message = parsedPassword.error.issues[0]?.message ?? "Choose another password";
      setFailure({ field: "password", message: `${message}.` });
      return;
    }
    setPending(true);
    setFailure(null);
    const { error } = await authClient.signUp.email({
      name: trimmedName,
      email: parsedEmail.data,
      password,
    });
    if (error) {
      setFailure(describeAuthError(error));
      setPending(false);
      return;
    }
    await utils.session.current.invalidate();
  };

  const fieldError = (field: AuthFailure["field"]) =>
    failure?.field === field ? failure.message : null;

  return (
    <AuthCard title="Create your account">
      {failure && !failure.field && <Alert tone="error">{failure.message}</Alert>}
      <form onSubmit={submit} noValidate className="stack">
        <TextField
          label="Name"
          autoComplete="name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={fieldError("name")}
          required
        />
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={fieldError("email")}
          required
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. A passphrase of a few words works well.`}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={fieldError("password")}
          required
        />
        <button type="submit" className="button primary wide" disabled={pending}>
          {pending ? "Creating account…" : "Create account"}
        </button>
      </form>
      <p className="muted center">
        Already have an account? <Link to={withNext("/sign-in", next)}>Sign in</Link>
      </p>
    </AuthCard>
  );
}

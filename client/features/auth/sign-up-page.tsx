import { type FormEvent, useState } from "react";
import { Link, Navigate } from "react-router";
import { PASSWORD_MIN_LENGTH } from "../../../shared/api-limits";
import { emailSchema, nameSchema, passwordSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { AuthCard } from "../../components/auth-card";
import { TextField } from "../../components/text-field";
import { authClient } from "../../lib/auth-client";
import { useAuthForm, withNext } from "./use-auth-form";

export function SignUpPage() {
  const form = useAuthForm();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [checkInbox, setCheckInbox] = useState<string | null>(null);

  if (form.signedIn) return <Navigate to={form.next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsedName = nameSchema.safeParse(name);
    if (!parsedName.success) {
      const message = parsedName.error.issues[0]?.message ?? "Enter your name";
      form.setFailure({ field: "name", message: `${message}.` });
      return;
    }
    const parsedEmail = emailSchema.safeParse(email);
    if (!parsedEmail.success) {
      form.setFailure({ field: "email", message: "Enter a valid email address." });
      return;
    }
    const parsedPassword = passwordSchema.safeParse(password);
    if (!parsedPassword.success) {
      const message = parsedPassword.error.issues[0]?.message ?? "Choose another password";
      form.setFailure({ field: "password", message: `${message}.` });
      return;
    }
    await form.send(
      () => authClient.signUp.email({ name: parsedName.data, email: parsedEmail.data, password }),
      // EMAIL_VERIFICATION=required: sign-up starts no session until the address is verified
      // (and answers alike for an address that has an account). Ask the server, not guess.
      async () => {
        const { data, error } = await authClient.getSession();
        if (data || error) return false;
        setCheckInbox(parsedEmail.data);
        return true;
      },
    );
  };

  if (checkInbox) {
    return (
      <AuthCard title="Check your inbox">
        <p data-testid="sign-up-check-inbox">
          We sent a link to <strong>{checkInbox}</strong>. Open it to verify your address, then sign
          in.
        </p>
        <p className="muted small">
          No mail after a few minutes? Check the spam folder, or{" "}
          <Link to="/verify-email" state={{ email: checkInbox }}>
            send a new link
          </Link>
          .
        </p>
        <Link className="button primary wide" to={withNext("/sign-in", form.next)}>
          Sign in
        </Link>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Create your account">
      {form.formError && <Alert tone="error">{form.formError}</Alert>}
      <form onSubmit={submit} noValidate className="stack">
        <TextField
          label="Name"
          autoComplete="name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={form.fieldError("name")}
          required
        />
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={form.fieldError("email")}
          required
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. A passphrase of a few words works well.`}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={form.fieldError("password")}
          required
        />
        <button type="submit" className="button primary wide" disabled={form.pending}>
          {form.pending ? "Creating account…" : "Create account"}
        </button>
      </form>
      <p className="muted center">
        Already have an account? <Link to={withNext("/sign-in", form.next)}>Sign in</Link>
      </p>
    </AuthCard>
  );
}

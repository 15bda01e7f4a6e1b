import { type FormEvent, useState } from "react";
import { Link, Navigate } from "react-router";
import { PASSWORD_MIN_LENGTH } from "../../../shared/api-limits";
import { emailSchema, nameSchema, passwordSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { TextField } from "../../components/text-field";
import { authClient } from "../../lib/auth-client";
import { AuthCard } from "./auth-card";
import { useAuthForm, withNext } from "./use-auth-form";

export function SignUpPage() {
  const form = useAuthForm();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

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
    await form.send(() =>
      authClient.signUp.email({ name: parsedName.data, email: parsedEmail.data, password }),
    );
  };

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

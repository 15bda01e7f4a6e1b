import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { PASSWORD_MIN_LENGTH } from "../../../shared/api-limits";
import { passwordSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { AuthCard } from "../../components/auth-card";
import { TextField } from "../../components/text-field";
import { asServerError, errorMessage } from "../../lib/errors";
import { trpc } from "../../lib/trpc";
import { type LinkProblem, LinkProblemText, linkProblemOf, linkProblemTitle } from "./link-problem";
import { WithLinkToken } from "./link-token";

/**
 * Opened from a reset mail: a new password, twice. Setting it signs the account out on every
 * device (ASVS 7.4.3), this browser included.
 */
export function ResetPasswordPage() {
  return <WithLinkToken page={ResetPassword} />;
}

function ResetPassword({ token }: { token: string | null }) {
  const resetPassword = trpc.links.resetPassword.useMutation();
  // Asked once on opening (it uses nothing): a dead link is said so before a password is typed.
  const check = trpc.links.checkResetLink.useMutation();
  const checked = useRef(false);
  useEffect(() => {
    if (!token || checked.current) return;
    checked.current = true;
    check.mutate({ token });
  }, [token, check.mutate]);
  const [newPassword, setNewPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [inputError, setInputError] = useState<{ field: "new" | "repeat"; message: string } | null>(
    null,
  );

  const problem: LinkProblem | null = token
    ? (linkProblemOf(resetPassword.error) ?? linkProblemOf(check.error))
    : "missing";
  if (problem) {
    return (
      <AuthCard title={linkProblemTitle(problem)}>
        <LinkProblemText
          problem={problem}
          explain={{
            expired: "A reset link works for 1 hour. Ask for a new one: it takes a minute.",
            used: "This link was already used to set a password, or a newer reset mail replaced it. If you did not set a password with it, ask for a new link.",
          }}
        />
        <Link className="button primary wide" to="/forgot-password">
          Ask for a new link
        </Link>
        <p className="muted center">
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </AuthCard>
    );
  }

  if (resetPassword.isSuccess) {
    return (
      <AuthCard title="Password changed">
        <Alert tone="success">
          Your password was changed and you were signed out everywhere, on every device.
        </Alert>
        <p>Sign in with your new password.</p>
        <Link className="button primary wide" to="/sign-in">
          Sign in
        </Link>
      </AuthCard>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    resetPassword.reset();
    const parsed = passwordSchema.safeParse(newPassword);
    if (!parsed.success) {
      setInputError({ field: "new", message: `${parsed.error.issues[0]?.message}.` });
      return;
    }
    if (repeated !== newPassword) {
      setInputError({ field: "repeat", message: "The two passwords are not the same." });
      return;
    }
    setInputError(null);
    if (token) resetPassword.mutate({ token, newPassword });
  };

  // The server judges the password too (its length rules); its words go under the field.
  const serverPasswordError = asServerError(resetPassword.error)?.data?.zodError?.fieldErrors
    .newPassword?.[0];
  const failure = serverPasswordError ? null : errorMessage(resetPassword.error);

  return (
    <AuthCard title="Choose a new password">
      <p className="muted">
        Setting a new password signs your account out on every device, this one included.
      </p>
      {failure && <Alert tone="error">{failure}</Alert>}
      <form onSubmit={submit} noValidate className="stack">
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. A passphrase of a few words works well.`}
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
          error={
            inputError?.field === "new"
              ? inputError.message
              : serverPasswordError && `${serverPasswordError}.`
          }
          required
        />
        <TextField
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          value={repeated}
          onChange={(event) => setRepeated(event.target.value)}
          error={inputError?.field === "repeat" ? inputError.message : null}
          required
        />
        <button type="submit" className="button primary wide" disabled={resetPassword.isPending}>
          {resetPassword.isPending ? "Changing…" : "Change password"}
        </button>
      </form>
    </AuthCard>
  );
}

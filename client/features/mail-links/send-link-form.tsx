import { type FormEvent, useState } from "react";
import { emailSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { TextField } from "../../components/text-field";
import { errorMessage } from "../../lib/errors";

interface SendLinkFormProps {
  initialEmail: string;
  /** The button: "Send reset link", "Send a new link". */
  action: string;
  pendingAction: string;
  /** Asks the server for the link; rejects with its error. */
  send(email: string): Promise<unknown>;
  /** Called with the address once the server answered. */
  onSent(email: string): void;
}

/**
 * An address, and a button that asks for a link to it. The server answers alike whether or not
 * the address has an account; only its rate limit (429, with how long to wait) is shown.
 */
export function SendLinkForm({
  initialEmail,
  action,
  pendingAction,
  send,
  onSent,
}: SendLinkFormProps) {
  const [email, setEmail] = useState(initialEmail);
  const [inputError, setInputError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const parsed = emailSchema.safeParse(email);
    setInputError(parsed.success ? null : "Enter a valid email address.");
    if (!parsed.success) return;
    setPending(true);
    try {
      await send(parsed.data);
      onSent(parsed.data);
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setPending(false);
    }
  };

  return (
    <>
      {failure && <Alert tone="error">{failure}</Alert>}
      <form onSubmit={submit} noValidate className="stack">
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={inputError}
          required
        />
        <button type="submit" className="button primary wide" disabled={pending}>
          {pending ? pendingAction : action}
        </button>
      </form>
    </>
  );
}

import { type FormEvent, useState } from "react";
import { emailSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { useFreshAction } from "../../components/reauthentication";
import { TextField } from "../../components/text-field";
import { errorMessage } from "../../lib/errors";
import { formatAbsolute } from "../../lib/format-time";
import { trpc } from "../../lib/trpc";

interface ChangeEmailFormProps {
  currentEmail: string;
  /** `off`: the change is immediate; otherwise it waits for the link sent to the new address. */
  emailVerification: "off" | "optional" | "required";
}

/**
 * A new address gets a confirmation link and nothing changes until it is opened (the old
 * address is then told, with an undo link); the change waiting for it is shown here. With
 * verification off the address changes at once.
 */
export function ChangeEmailForm({ currentEmail, emailVerification }: ChangeEmailFormProps) {
  const runFresh = useFreshAction();
  const utils = trpc.useUtils();
  const changeEmail = trpc.account.changeEmail.useMutation();
  const pendingChange = trpc.account.pendingEmailChange.useQuery();
  const [newEmail, setNewEmail] = useState("");
  const [inputError, setInputError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    changeEmail.reset();
    const parsed = emailSchema.safeParse(newEmail);
    setInputError(parsed.success ? null : "Enter a valid email address.");
    if (!parsed.success) return;
    const result = await runFresh(() => changeEmail.mutateAsync({ newEmail: parsed.data }));
    if (!result) return;
    setNewEmail("");
    if (result.status === "pending") {
      setDone(
        `We sent a confirmation link to ${result.email}; your address changes when you open it.`,
      );
      await utils.account.pendingEmailChange.invalidate();
    } else {
      setDone(`Your email address is now ${result.email}.`);
      await utils.session.current.invalidate();
    }
  };

  const pending = pendingChange.data;
  return (
    <section className="card" aria-labelledby="change-email-title">
      <h2 id="change-email-title">Change email</h2>
      <p className="muted">
        Currently <strong data-testid="current-email">{currentEmail}</strong>.{" "}
        {emailVerification === "off"
          ? "You will sign in with the new address."
          : "We send a link to the new address; it becomes your address when you open it."}
      </p>
      {done && <Alert tone="success">{done}</Alert>}
      {pending && (
        <p className="pending-change" data-testid="pending-email-change">
          Waiting for confirmation: <strong>{pending.email}</strong>. The link we sent there works
          until <time dateTime={pending.expiresAt}>{formatAbsolute(pending.expiresAt)}</time>.
        </p>
      )}
      <form onSubmit={submit} noValidate className="stack">
        <TextField
          label="New email"
          type="email"
          autoComplete="email"
          value={newEmail}
          onChange={(event) => setNewEmail(event.target.value)}
          error={inputError ?? errorMessage(changeEmail.error)}
          required
        />
        <div className="actions start">
          <button
            type="submit"
            className="button primary"
            disabled={changeEmail.isPending || !newEmail}
          >
            {changeEmail.isPending ? "Saving…" : "Change email"}
          </button>
        </div>
      </form>
    </section>
  );
}

import { type FormEvent, useState } from "react";
import { emailSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { useFreshAction } from "../../components/reauthentication";
import { TextField } from "../../components/text-field";
import { errorMessage } from "../../lib/errors";
import { trpc } from "../../lib/trpc";

export function ChangeEmailForm({ currentEmail }: { currentEmail: string }) {
  const runFresh = useFreshAction();
  const utils = trpc.useUtils();
  const changeEmail = trpc.account.changeEmail.useMutation();
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
    setDone(`Your email address is now ${result.email}.`);
    await utils.session.current.invalidate();
  };

  return (
    <section className="card" aria-labelledby="change-email-title">
      <h2 id="change-email-title">Change email</h2>
      <p className="muted">
        Currently <strong>{currentEmail}</strong>. You will sign in with the new address.
      </p>
      {done && <Alert tone="success">{done}</Alert>}
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

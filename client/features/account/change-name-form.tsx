import { type FormEvent, useState } from "react";
import { NAME_MAX_LENGTH } from "../../../shared/api-limits";
import { nameSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { TextField } from "../../components/text-field";
import { errorMessage } from "../../lib/errors";
import { trpc } from "../../lib/trpc";

/** The display name: not a credential, so no password confirmation (ADR 0021). */
export function ChangeNameForm({ currentName }: { currentName: string }) {
  const utils = trpc.useUtils();
  const changeName = trpc.account.changeName.useMutation();
  const [name, setName] = useState(currentName);
  const [inputError, setInputError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    changeName.reset();
    const parsed = nameSchema.safeParse(name);
    setInputError(parsed.success ? null : `${parsed.error.issues[0]?.message}.`);
    if (!parsed.success) return;
    const result = await changeName.mutateAsync({ name: parsed.data }).catch(() => null);
    if (!result) return;
    setName(result.name);
    setDone(`You are now shown as ${result.name}.`);
    await utils.session.current.invalidate();
  };

  return (
    <section className="card" aria-labelledby="change-name-title">
      <h2 id="change-name-title">Display name</h2>
      <p className="muted">The name shown in the app. It is not used to sign in.</p>
      {done && <Alert tone="success">{done}</Alert>}
      <form onSubmit={submit} noValidate className="stack">
        <TextField
          label="Name"
          autoComplete="name"
          hint={`Up to ${NAME_MAX_LENGTH} characters.`}
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={inputError ?? errorMessage(changeName.error)}
          required
        />
        <div className="actions start">
          <button
            type="submit"
            className="button primary"
            disabled={changeName.isPending || name.trim() === currentName}
          >
            {changeName.isPending ? "Saving…" : "Change name"}
          </button>
        </div>
      </form>
    </section>
  );
}

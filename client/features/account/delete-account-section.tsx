import { useState } from "react";
import { Alert } from "../../components/alert";
import { useFreshAction } from "../../components/reauthentication";
import { errorMessage } from "../../lib/errors";
import { useLeaveToSignIn } from "../../lib/leave-to-sign-in";
import { trpc } from "../../lib/trpc";

export function DeleteAccountSection() {
  const runFresh = useFreshAction();
  const leaveToSignIn = useLeaveToSignIn();
  const deleteAccount = trpc.account.delete.useMutation();
  const [understood, setUnderstood] = useState(false);

  const failure = errorMessage(deleteAccount.error);

  const remove = async () => {
    deleteAccount.reset();
    const result = await runFresh(() => deleteAccount.mutateAsync());
    if (!result) return;
    await leaveToSignIn("deleted");
  };

  return (
    <section className="card danger-zone" aria-labelledby="delete-account-title">
      <h2 id="delete-account-title">Delete account</h2>
      <p className="muted">
        Deletes your account and signs out every device. This cannot be undone.
      </p>
      {failure && <Alert tone="error">{failure}</Alert>}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={understood}
          onChange={(event) => setUnderstood(event.target.checked)}
        />
        I understand that my account will be deleted for good
      </label>
      <div className="actions start">
        <button
          type="button"
          className="button danger"
          disabled={!understood || deleteAccount.isPending}
          onClick={remove}
        >
          {deleteAccount.isPending ? "Deleting…" : "Delete my account"}
        </button>
      </div>
    </section>
  );
}

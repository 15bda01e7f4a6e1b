import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { Alert } from "../../components/alert";
import { useFreshAction } from "../../components/reauthentication";
import { errorMessage } from "../../lib/errors";
import { signInPath } from "../../lib/return-path";
import { trpc } from "../../lib/trpc";

export function DeleteAccountSection() {
  const runFresh = useFreshAction();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const deleteAccount = trpc.account.delete.useMutation();
  const [understood, setUnderstood] = useState(false);

  const remove = async () => {
    deleteAccount.reset();
    const result = await runFresh(() => deleteAccount.mutateAsync());
    if (!result) return;
    await navigate(signInPath("/", "deleted"), { replace: true });
    queryClient.removeQueries();
  };

  return (
    <section className="card danger-zone" aria-labelledby="delete-account-title">
      <h2 id="delete-account-title">Delete account</h2>
      <p className="muted">
        Deletes your account and signs out every device. This cannot be undone.
      </p>
      {errorMessage(deleteAccount.error) && (
        <Alert tone="error">{errorMessage(deleteAccount.error)}</Alert>
      )}
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

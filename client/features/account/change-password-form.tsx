import { type FormEvent, useState } from "react";
import { PASSWORD_MIN_LENGTH } from "../../../shared/api-limits";
import { passwordSchema } from "../../../shared/schemas";
import { Alert } from "../../components/alert";
import { useFreshAction } from "../../components/reauthentication";
import { TextField } from "../../components/text-field";
import { errorMessage } from "../../lib/errors";
import { trpc } from "../../lib/trpc";

export function ChangePasswordForm() {
  const runFresh = useFreshAction();
  const utils = trpc.useUtils();
  const changePassword = trpc.account.changePassword.useMutation();
  const [currentPassword, setCurrentPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [revokeOtherSessions, setRevokeOtherSessions] = useState(true);
  const [newPasswordError, setNewPasswordError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const failure = errorMessage(changePassword.error);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    changePassword.reset();
    const parsed = passwordSchema.safeParse(newPassword);
    setNewPasswordError(parsed.success ? null : `${parsed.error.issues[0]?.message}.`);
    if (!parsed.success || !currentPassword) return;
    const result = await runFresh(() =>
      changePassword.mutateAsync({ currentPassword, newPassword, revokeOtherSessions }),
    );
    if (!result) return;
    setCurrentPassword("");
    setNewPassword("");
    setDone(
      result.otherSessionsEnded
        ? "Password changed. Your other devices were signed out."
        : "Password changed.",
    );
    await utils.session.invalidate();
  };

  return (
    <section className="card" aria-labelledby="change-password-title">
      <h2 id="change-password-title">Change password</h2>
      {done && <Alert tone="success">{done}</Alert>}
      {failure && <Alert tone="error">{failure}</Alert>}
      <form onSubmit={submit} noValidate className="stack">
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.target.value)}
          required
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
          error={newPasswordError}
          required
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={revokeOtherSessions}
            onChange={(event) => setRevokeOtherSessions(event.target.checked)}
          />
          Sign out my other devices
        </label>
        <div className="actions start">
          <button
            type="submit"
            className="button primary"
            disabled={changePassword.isPending || !currentPassword || !newPassword}
          >
            {changePassword.isPending ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </section>
  );
}

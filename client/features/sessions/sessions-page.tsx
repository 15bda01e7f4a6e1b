import { useState } from "react";
import { Alert } from "../../components/alert";
import { useFreshAction } from "../../components/reauthentication";
import { errorMessage } from "../../lib/errors";
import { useLeaveToSignIn } from "../../lib/leave-to-sign-in";
import type { SignInNotice } from "../../lib/return-path";
import { trpc } from "../../lib/trpc";
import { SessionCard } from "./session-card";

/** Every device signed in to the account; end one, all others, or all. */
export function SessionsPage() {
  const sessions = trpc.session.list.useQuery();
  const utils = trpc.useUtils();
  const leaveToSignIn = useLeaveToSignIn();
  const runFresh = useFreshAction();
  const [notice, setNotice] = useState<string | null>(null);

  const revoke = trpc.session.revoke.useMutation();
  const revokeOthers = trpc.session.revokeOthers.useMutation();
  const revokeAll = trpc.session.revokeAll.useMutation();

  const afterEnding = async (
    result: { ended: number; signedOut: boolean } | undefined,
    leaveWith: SignInNotice,
  ) => {
    if (!result) return;
    if (result.signedOut) {
      await leaveToSignIn(leaveWith);
      return;
    }
    // Refetch first, so the message and the shorter list appear together.
    await utils.session.list.invalidate();
    setNotice(result.ended === 1 ? "Signed out 1 device." : `Signed out ${result.ended} devices.`);
  };

  const clearMessages = () => {
    setNotice(null);
    revoke.reset();
    revokeOthers.reset();
    revokeAll.reset();
  };

  const others = sessions.data?.filter((session) => !session.isCurrent) ?? [];
  const failure =
    errorMessage(revoke.error) ?? errorMessage(revokeOthers.error) ?? errorMessage(revokeAll.error);

  return (
    <>
      <div className="page-header">
        <h1>Sessions</h1>
        <button
          type="button"
          className="button secondary"
          onClick={() => {
            clearMessages();
            void sessions.refetch();
          }}
          disabled={sessions.isFetching}
        >
          {sessions.isFetching ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      <p className="muted">
        Every device signed in to your account. If you don’t recognise one, sign it out and change
        your password.
      </p>
      {notice && <Alert tone="success">{notice}</Alert>}
      {failure && <Alert tone="error">{failure}</Alert>}
      {sessions.isPending && <p className="muted">Loading sessions…</p>}
      {sessions.isError && !failure && (
        <Alert tone="error">
          {errorMessage(sessions.error) ?? "Could not load your sessions."}
        </Alert>
      )}
      {sessions.data && (
        <ul className="session-list" aria-label="Signed-in devices">
          {currentFirst(sessions.data).map((session) => (
            <SessionCard
              key={session.id}
              session={session}
              revoking={revoke.isPending && revoke.variables?.id === session.id}
              onRevoke={async () => {
                clearMessages();
                const result = await runFresh(() => revoke.mutateAsync({ id: session.id }));
                await afterEnding(result, "signed-out");
              }}
            />
          ))}
        </ul>
      )}
      <section className="card danger-zone" aria-labelledby="end-sessions-title">
        <h2 id="end-sessions-title">Sign out elsewhere</h2>
        <div className="actions start">
          <button
            type="button"
            className="button danger-outline"
            disabled={others.length === 0 || revokeOthers.isPending}
            onClick={async () => {
              clearMessages();
              await afterEnding(await runFresh(() => revokeOthers.mutateAsync()), "signed-out");
            }}
          >
            Sign out all other devices
          </button>
          <button
            type="button"
            className="button danger"
            disabled={revokeAll.isPending}
            onClick={async () => {
              clearMessages();
              const result = await runFresh(() => revokeAll.mutateAsync());
              await afterEnding(result, "signed-out-everywhere");
            }}
          >
            Sign out everywhere
          </button>
        </div>
        <p className="muted small">“Sign out everywhere” ends every session, including this one.</p>
      </section>
    </>
  );
}

/** This device on top, then the others as the server ordered them (most recently active first). */
function currentFirst<T extends { isCurrent: boolean }>(sessions: T[]): T[] {
  return [...sessions.filter((s) => s.isCurrent), ...sessions.filter((s) => !s.isCurrent)];
}

/**
 * Re-authentication before sensitive actions. A fresh-only procedure answers FORBIDDEN with
 * reason SESSION_NOT_FRESH once the session is older than the fresh window; then we ask for the
 * password in a dialog, call `session.reauthenticate` (which issues a new session) and retry the
 * action once.
 */
import {
  createContext,
  type FormEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from "react";
import { ErrorReason } from "../../shared/errors";
import { errorMessage, reasonOf } from "../lib/errors";
import { trpc } from "../lib/trpc";
import { TextField } from "./text-field";

/** Resolves true once the user re-authenticated, false when they cancelled. */
type RequestPassword = () => Promise<boolean>;

const ReauthenticationContext = createContext<RequestPassword | null>(null);

export function ReauthenticationProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<((confirmed: boolean) => void) | null>(null);

  const requestPassword = useCallback<RequestPassword>(
    () =>
      new Promise<boolean>((resolve) => {
        setPending(() => resolve);
      }),
    [],
  );

  const settle = (confirmed: boolean) => {
    pending?.(confirmed);
    setPending(null);
  };

  return (
    <ReauthenticationContext.Provider value={requestPassword}>
      {children}
      {pending && (
        <PasswordDialog onConfirmed={() => settle(true)} onCancel={() => settle(false)} />
      )}
    </ReauthenticationContext.Provider>
  );
}

/**
 * Returns `runFresh(action)`: runs a sensitive action, re-authenticating and retrying once when
 * the session is not fresh. Resolves to the action's result, or undefined when it failed or the
 * user cancelled; the failure stays in the mutation's own `error` for the form to show.
 */
export function useFreshAction() {
  const requestPassword = useContext(ReauthenticationContext);
  if (!requestPassword) throw new Error("useFreshAction needs a ReauthenticationProvider");
  return useCallback(
    async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await action();
      } catch (error) {
        if (reasonOf(error) !== ErrorReason.SESSION_NOT_FRESH) return undefined;
      }
      if (!(await requestPassword())) return undefined;
      try {
        return await action();
      } catch {
        return undefined;
      }
    },
    [requestPassword],
  );
}

function PasswordDialog({ onConfirmed, onCancel }: { onConfirmed(): void; onCancel(): void }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState("");
  const utils = trpc.useUtils();
  const reauthenticate = trpc.session.reauthenticate.useMutation({
    async onSuccess() {
      // The session was replaced by a new one: everything about it is stale.
      await utils.session.invalidate();
      onConfirmed();
    },
  });

  useEffect(() => {
    dialogRef.current?.showModal();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (password) reauthenticate.mutate({ password });
  };

  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby="reauth-title"
      data-testid="reauth-dialog"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id="reauth-title">Confirm it’s you</h2>
        <p className="muted">
          This is a sensitive change and you signed in a while ago. Enter your password to continue.
        </p>
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={errorMessage(reauthenticate.error)}
        />
        <div className="actions">
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            className="button primary"
            disabled={!password || reauthenticate.isPending}
          >
            {reauthenticate.isPending ? "Confirming…" : "Confirm"}
          </button>
        </div>
      </form>
    </dialog>
  );
}

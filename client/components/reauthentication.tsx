/**
 * Re-authentication before sensitive actions. A fresh-only procedure answers FORBIDDEN with
 * reason SESSION_NOT_FRESH once the session is older than the fresh window; then we ask for the
 * password in a dialog, call `session.reauthenticate` (which issues a new session) and retry the
 * action once. The dialog keeps keyboard focus inside while open and hands it back to the control
 * the user acted on when it closes.
 */
import {
  createContext,
  type FormEvent,
  type KeyboardEvent,
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

/**
 * Resolves true once the user re-authenticated, false when they cancelled. `opener` gets focus
 * back when the dialog closes.
 */
type RequestPassword = (opener: HTMLElement | null) => Promise<boolean>;

const ReauthenticationContext = createContext<RequestPassword | null>(null);

interface PendingRequest {
  resolve(confirmed: boolean): void;
  opener: HTMLElement | null;
}

export function ReauthenticationProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<PendingRequest | null>(null);

  const requestPassword = useCallback<RequestPassword>(
    (opener) =>
      new Promise<boolean>((resolve) => {
        setPending({ resolve, opener });
      }),
    [],
  );

  const settle = (confirmed: boolean) => {
    pending?.resolve(confirmed);
    setPending(null);
  };

  return (
    <ReauthenticationContext.Provider value={requestPassword}>
      {children}
      {pending && (
        <PasswordDialog
          opener={pending.opener}
          onConfirmed={() => settle(true)}
          onCancel={() => settle(false)}
        />
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
      // Read before the action runs: its button is disabled while pending, which drops focus.
      const opener = focusedElement();
      try {
        return await action();
      } catch (error) {
        if (reasonOf(error) !== ErrorReason.SESSION_NOT_FRESH) return undefined;
      }
      if (!(await requestPassword(opener))) return undefined;
      try {
        return await action();
      } catch {
        return undefined;
      }
    },
    [requestPassword],
  );
}

function focusedElement(): HTMLElement | null {
  const active = document.activeElement;
  return active instanceof HTMLElement && active !== document.body ? active : null;
}

/** The dialog's controls Tab stops on, in order. */
function tabStops(container: HTMLElement): HTMLElement[] {
  return [
    ...container.querySelectorAll<HTMLElement>("a[href], button, input, select, textarea"),
  ].filter((el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled);
}

/**
 * Tab from the last control goes to the first and Shift+Tab from the first to the last. A modal
 * `<dialog>` already makes the page behind it inert, but Tab would still leave it for the
 * browser's own controls and come back at the top of the dialog.
 */
function keepFocusInside(event: KeyboardEvent<HTMLDialogElement>) {
  if (event.key !== "Tab") return;
  const stops = tabStops(event.currentTarget);
  const first = stops[0];
  const last = stops.at(-1);
  if (!first || !last) return;
  const active = document.activeElement;
  if (event.shiftKey && (active === first || active === event.currentTarget)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && active === last) {
    event.preventDefault();
    first.focus();
  }
}

function PasswordDialog({
  opener,
  onConfirmed,
  onCancel,
}: {
  opener: HTMLElement | null;
  onConfirmed(): void;
  onCancel(): void;
}) {
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
    const dialog = dialogRef.current;
    dialog?.showModal();
    return () => {
      // Focus goes back where it was, unless the user has moved it somewhere else meanwhile.
      const active = focusedElement();
      const focusWasInside = !active || dialog?.contains(active);
      dialog?.close();
      if (focusWasInside && opener?.isConnected) opener.focus();
    };
  }, [opener]);

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
      onKeyDown={keepFocusInside}
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

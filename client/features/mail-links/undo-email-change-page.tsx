import type { ReactNode } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/alert";
import { AuthCard } from "../../components/auth-card";
import { errorMessage } from "../../lib/errors";
import { trpc } from "../../lib/trpc";
import { LinkProblemText, linkProblemOf, linkProblemTitle } from "./link-problem";
import { WithLinkToken } from "./link-token";

/**
 * Opened from the notice sent to the old address after a change: puts that address back and
 * signs the account out everywhere, since whoever changed it may be signed in. Nothing happens
 * until the user confirms.
 */
export function UndoEmailChangePage() {
  return <WithLinkToken page={UndoEmailChange} />;
}

function UndoEmailChange({ token }: { token: string | null }) {
  const undo = trpc.links.undoEmailChange.useMutation();
  const problem = token ? linkProblemOf(undo.error) : "missing";

  let title: string;
  let body: ReactNode;
  if (problem) {
    title = linkProblemTitle(problem);
    body = (
      <>
        <LinkProblemText
          problem={problem}
          explain={{
            expired:
              "An undo link works for 7 days. If you did not change the address and cannot sign in, reset your password with the address the account uses now, or contact the administrator.",
            used: "This change was already undone with this link.",
            taken:
              "Another account uses your previous address now, so it cannot be put back. Contact the administrator.",
          }}
        />
        <Link className="button primary wide" to="/forgot-password">
          Reset your password
        </Link>
        <p className="muted center">
          <Link to="/sign-in">Sign in</Link>
        </p>
      </>
    );
  } else if (undo.isSuccess) {
    title = "Change undone";
    body = (
      <>
        <Alert tone="success">
          Your account uses <strong data-testid="restored-email">{undo.data.email}</strong> again,
          and it was signed out on every device.
        </Alert>
        <p>
          If you did not change the address, someone may know your password. Choose a new one now.
        </p>
        <Link
          className="button primary wide"
          to="/forgot-password"
          state={{ email: undo.data.email }}
        >
          Reset your password
        </Link>
        <p className="muted center">
          <Link to="/sign-in">Sign in</Link>
        </p>
      </>
    );
  } else {
    title = "Undo the address change";
    body = (
      <>
        <p>
          Your account’s address was changed. If that was not you, undo it: your account gets this
          address back, and every device signed in to it is signed out, in case someone else is.
        </p>
        {undo.isError && <Alert tone="error">{errorMessage(undo.error)}</Alert>}
        <button
          type="button"
          className="button danger wide"
          disabled={undo.isPending}
          onClick={() => token && undo.mutate({ token })}
        >
          {undo.isPending ? "Undoing…" : "Undo the change"}
        </button>
        <p className="muted small">If you made the change yourself, close this page.</p>
      </>
    );
  }

  return <AuthCard title={title}>{body}</AuthCard>;
}

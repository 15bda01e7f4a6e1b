import type { ReactNode } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/alert";
import { AuthCard } from "../../components/auth-card";
import { errorMessage } from "../../lib/errors";
import { trpc } from "../../lib/trpc";
import { LinkProblemText, linkProblemOf, linkProblemTitle } from "./link-problem";
import { WithLinkToken } from "./link-token";

/**
 * Opened from the mail sent to a new address: the address changes only when the user confirms
 * here (a mail scanner that opens the link changes nothing). The old address is then told, with
 * a link that undoes the change.
 */
export function ConfirmEmailPage() {
  return <WithLinkToken page={ConfirmEmail} />;
}

function ConfirmEmail({ token }: { token: string | null }) {
  const confirm = trpc.links.confirmEmailChange.useMutation();
  const problem = token ? linkProblemOf(confirm.error) : "missing";

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
              "A confirmation link works for 24 hours. Your address did not change: change it again from your account page to get a new link.",
            used: "This link was already used, or a newer address change replaced it. Your account page shows the address it uses now.",
            taken:
              "Another account started using this address since the link was sent, so your address did not change. Choose another one on your account page.",
          }}
        />
        <Link className="button primary wide" to="/account">
          Go to your account
        </Link>
      </>
    );
  } else if (confirm.isSuccess) {
    title = "Address changed";
    body = (
      <>
        <Alert tone="success">
          Your account now uses <strong data-testid="confirmed-email">{confirm.data.email}</strong>.
          Sign in with it from now on.
        </Alert>
        <p className="muted small">
          We told your previous address about the change, with a link to undo it.
        </p>
        <Link className="button primary wide" to="/">
          Continue
        </Link>
      </>
    );
  } else {
    title = "Confirm your new address";
    body = (
      <>
        <p>
          Your account asked to use the address this mail was sent to. Nothing changes until you
          confirm: then you sign in with the new address.
        </p>
        {confirm.isError && <Alert tone="error">{errorMessage(confirm.error)}</Alert>}
        <button
          type="button"
          className="button primary wide"
          disabled={confirm.isPending}
          onClick={() => token && confirm.mutate({ token })}
        >
          {confirm.isPending ? "Confirming…" : "Confirm the new address"}
        </button>
      </>
    );
  }

  return <AuthCard title={title}>{body}</AuthCard>;
}

import { useState } from "react";
import { Link } from "react-router";
import { AuthCard } from "../../components/auth-card";
import { trpc } from "../../lib/trpc";
import { DevMailboxHint } from "./dev-mailbox-hint";
import { useEmailFromPage } from "./link-token";
import { SendLinkForm } from "./send-link-form";

/**
 * "Forgot password?": asks for a reset link. The answer is the same for every address, so the
 * page never says whether one has an account.
 */
export function ForgotPasswordPage() {
  const initialEmail = useEmailFromPage();
  const settings = trpc.links.settings.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY });
  const requestReset = trpc.links.requestPasswordReset.useMutation();
  const [sentTo, setSentTo] = useState<string | null>(null);

  if (settings.data && !settings.data.passwordReset) {
    return (
      <AuthCard title="Password reset is not available">
        <p>This server does not reset passwords by mail. Ask its administrator for help.</p>
        <p className="muted center">
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </AuthCard>
    );
  }

  if (sentTo) {
    return (
      <AuthCard title="Check your inbox">
        <p data-testid="reset-sent">
          If an account uses <strong>{sentTo}</strong>, we sent it a link to choose a new password.
          The link works for 1 hour.
        </p>
        <p className="muted small">
          No mail? Check the spam folder, and that the address is the one you signed up with.
        </p>
        <DevMailboxHint />
        <p className="muted center">
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Reset your password">
      <p className="muted">
        Enter the address you sign in with. We will send it a link to choose a new password.
      </p>
      <SendLinkForm
        initialEmail={initialEmail}
        action="Send reset link"
        pendingAction="Sending…"
        send={(email) => requestReset.mutateAsync({ email })}
        onSent={setSentTo}
      />
      <p className="muted center">
        Remembered it? <Link to="/sign-in">Sign in</Link>
      </p>
    </AuthCard>
  );
}

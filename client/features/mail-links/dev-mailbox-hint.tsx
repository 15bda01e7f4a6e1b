import { Link } from "react-router";
import { trpc } from "../../lib/trpc";

/**
 * Outside production with no SMTP server, mail is kept rather than sent: say where to read it,
 * or a developer waits for a mail that never comes.
 */
export function DevMailboxHint() {
  const settings = trpc.links.settings.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY });
  if (!settings.data?.devMailbox) return null;
  return (
    <p className="muted small" data-testid="dev-mailbox-hint">
      No mail server is set up here, so mail is kept instead of sent: read it in the{" "}
      <Link to="/dev/mailbox">development mailbox</Link>.
    </p>
  );
}

import { errorMessage } from "../lib/errors";
import { trpc } from "../lib/trpc";

/**
 * Shown on every signed-in page while the account's address is not verified (and verification
 * is on): what to do, and a button that sends the link again. The outcome is announced in a
 * live region that is on the page from the start, so screen readers hear it.
 */
export function UnverifiedEmailNotice({ email }: { email: string }) {
  const resend = trpc.links.requestVerification.useMutation();
  const failure = errorMessage(resend.error);

  return (
    <section
      className="notice"
      aria-labelledby="unverified-email-title"
      data-testid="unverified-email-notice"
    >
      <div className="notice-text">
        <p id="unverified-email-title" className="notice-title">
          Verify your email address
        </p>
        <p>
          We sent a link to <strong>{email}</strong>. Open it to confirm that the address is yours:
          it is where password resets and security alerts go.
        </p>
        <p role="status" className={failure ? "field-error" : "notice-outcome"}>
          {resend.isSuccess
            ? `We sent a new link to ${email}. It works for 24 hours.`
            : (failure ?? "")}
        </p>
      </div>
      {!resend.isSuccess && (
        <button
          type="button"
          className="button secondary small"
          disabled={resend.isPending}
          onClick={() => resend.mutate({ email })}
        >
          {resend.isPending ? "Sending…" : "Send the link again"}
        </button>
      )}
    </section>
  );
}

import { ErrorReason } from "../../../shared/errors";
import { asServerError, reasonOf } from "../../lib/errors";

/**
 * Why a link from a mail does not work: none in the address (`missing`), never sent or cut
 * (`invalid`), too old (`expired`), used or replaced by a newer mail (`used`), or the address it
 * would set belongs to another account now (`taken`).
 */
export type LinkProblem = "missing" | "invalid" | "expired" | "used" | "taken";

/** The link problem a failed request reports, or null when it failed for another reason. */
export function linkProblemOf(error: unknown): LinkProblem | null {
  switch (reasonOf(error)) {
    case ErrorReason.LINK_INVALID:
      return "invalid";
    case ErrorReason.LINK_EXPIRED:
      return "expired";
    case ErrorReason.LINK_USED:
      return "used";
    case ErrorReason.EMAIL_TAKEN:
      return "taken";
  }
  // A token of the wrong shape is refused by the input schema before any lookup.
  if (asServerError(error)?.data?.zodError?.fieldErrors.token) return "invalid";
  return null;
}

const TITLES: Record<LinkProblem, string> = {
  missing: "This link is incomplete",
  invalid: "This link does not work",
  expired: "This link has expired",
  used: "This link was already used",
  taken: "That address is taken",
};

const EXPLANATIONS: Record<LinkProblem, string> = {
  missing:
    "This page needs the whole link from your mail. Open the link in the mail again (reloading the page does not work: the link is removed from the address bar once read).",
  invalid: "This link is not valid. Check that you opened the whole link from the latest mail.",
  expired: "Links sent by mail work for a limited time. Ask for a new one.",
  used: "Each link works once, and a newer mail replaces the links of earlier ones.",
  taken: "Another account uses that address now, so it cannot become yours.",
};

/** The heading of a page whose link does not work. */
export function linkProblemTitle(problem: LinkProblem): string {
  return TITLES[problem];
}

/**
 * What is wrong with the link and why, in words, not an error dump; the page adds what to do now
 * (usually a link to ask for a new one) and shows it under `linkProblemTitle`. `explain` replaces
 * the standard explanation of a problem where the page knows better.
 */
export function LinkProblemText({
  problem,
  explain,
}: {
  problem: LinkProblem;
  explain?: Partial<Record<LinkProblem, string>>;
}) {
  return (
    <p data-testid="link-problem" data-problem={problem}>
      {explain?.[problem] ?? EXPLANATIONS[problem]}
    </p>
  );
}

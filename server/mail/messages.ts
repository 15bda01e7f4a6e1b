/**
 * The mails, as text and HTML. Every link opens a page of the SPA with its token in the URL's
 * fragment (`#token=…`): a fragment is never sent to a server, so the token stays out of access
 * logs, proxies and Referer headers. The page asks before it acts, so a mail scanner that
 * fetches every link in a mail uses none of them.
 */
import type { OutgoingMail } from "./outbox";

const PRODUCT = "Typed Sessions";

/** The SPA pages links open. */
export const LINK_PAGES = {
  reset_password: "/reset-password",
  verify_email: "/verify-email",
  confirm_email_change: "/confirm-email",
  undo_email_change: "/undo-email-change",
  end_session: "/not-me",
} as const;

export function linkUrl(baseUrl: string, page: keyof typeof LINK_PAGES, token: string): string {
  return `${baseUrl}${LINK_PAGES[page]}#token=${token}`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char,
  );
}

interface Paragraph {
  text: string;
  link?: { label: string; url: string };
}

/** One mail from paragraphs; a paragraph with a link renders as a button (HTML) or the bare URL (text). */
function compose(kind: string, to: string, subject: string, paragraphs: Paragraph[]): OutgoingMail {
  const text = paragraphs
    .map((p) => (p.link ? `${p.text}\n${p.link.label}: ${p.link.url}` : p.text))
    .join("\n\n");
  const body = paragraphs
    .map((p) => {
      const line = p.text ? `<p>${escapeHtml(p.text)}</p>` : "";
      if (!p.link) return line;
      return `${line}<p><a href="${escapeHtml(p.link.url)}" style="display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(p.link.label)}</a></p>`;
    })
    .join("\n");
  const html = `<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">\n${body}\n<p style="color:#666;font-size:13px">${PRODUCT}</p></body></html>`;
  return { kind, to, subject, text: `${text}\n\n— ${PRODUCT}\n`, html };
}

const hours = (sec: number) =>
  sec % 3600 === 0 && sec < 48 * 3600
    ? `${sec / 3600} hour${sec === 3600 ? "" : "s"}`
    : `${Math.round(sec / 86400)} days`;

export function passwordResetMail(to: string, url: string, lifetimeSec: number): OutgoingMail {
  return compose("password_reset", to, `Reset your ${PRODUCT} password`, [
    { text: "Someone (we hope you) asked to reset the password of your account." },
    {
      text: `The link works once, for ${hours(lifetimeSec)}.`,
      link: { label: "Choose a new password", url },
    },
    {
      text: "Setting a new password signs your account out on every device. If you did not ask for this, ignore this mail: your password stays as it is.",
    },
  ]);
}

export function verificationMail(to: string, url: string, lifetimeSec: number): OutgoingMail {
  return compose("verify_email", to, `Verify your ${PRODUCT} address`, [
    {
      text: `Confirm that ${to} is your address. The link works once, for ${hours(lifetimeSec)}.`,
      link: { label: "Verify my address", url },
    },
    { text: "If you did not sign up, ignore this mail." },
  ]);
}

export function emailChangeConfirmMail(to: string, url: string, lifetimeSec: number): OutgoingMail {
  return compose("confirm_email_change", to, `Confirm your new ${PRODUCT} address`, [
    {
      text: `Your account asked to use ${to} as its address from now on. Nothing changes until you confirm it. The link works once, for ${hours(lifetimeSec)}.`,
      link: { label: "Use this address", url },
    },
    { text: "If you did not ask for this, ignore this mail." },
  ]);
}

export function emailChangedNoticeMail(
  to: string,
  newEmail: string,
  undoUrl: string,
  lifetimeSec: number,
): OutgoingMail {
  return compose("email_changed", to, `Your ${PRODUCT} address was changed`, [
    { text: `The address of your account was changed from ${to} to ${newEmail}.` },
    {
      text: `If this was not you, undo it within ${hours(lifetimeSec)}: the address goes back to ${to} and every session of the account ends.`,
      link: { label: "Undo this change", url: undoUrl },
    },
  ]);
}

export interface NewDeviceDetails {
  device: string;
  network: string;
  at: Date;
}

export function newDeviceAlertMail(
  to: string,
  details: NewDeviceDetails,
  notMeUrl: string,
  lifetimeSec: number,
): OutgoingMail {
  return compose("new_device", to, `New sign-in to your ${PRODUCT} account`, [
    { text: "Your account was just signed in on a device it has not used before:" },
    {
      text: `Device: ${details.device}\nNetwork: ${details.network}\nTime: ${details.at.toUTCString()}`,
    },
    {
      text: `If this was you, there is nothing to do. If it was not, end that session now (the link works for ${hours(lifetimeSec)}, without signing in) and then reset your password.`,
      link: { label: "This wasn't me", url: notMeUrl },
    },
  ]);
}

export function passwordChangedNoticeMail(
  to: string,
  details: NewDeviceDetails,
  resetUrl: string,
): OutgoingMail {
  return compose("password_changed", to, `Your ${PRODUCT} password was changed`, [
    { text: "The password of your account was just changed:" },
    {
      text: `Device: ${details.device}\nNetwork: ${details.network}\nTime: ${details.at.toUTCString()}`,
    },
    {
      text: "If this was you, there is nothing to do. If it was not, someone has your password or one of your sessions: reset your password now, which signs every device out.",
      link: { label: "Reset my password", url: resetUrl },
    },
  ]);
}

export function existingAccountMail(to: string, signInUrl: string, resetUrl: string): OutgoingMail {
  return compose("existing_account", to, `You already have a ${PRODUCT} account`, [
    { text: `Someone (we hope you) tried to create an account with ${to}, which already has one.` },
    { text: "Sign in with it instead:", link: { label: "Sign in", url: signInUrl } },
    {
      text: "Forgot the password? Choose a new one:",
      link: { label: "Reset my password", url: resetUrl },
    },
    { text: "If this was not you, ignore this mail: nothing was changed." },
  ]);
}

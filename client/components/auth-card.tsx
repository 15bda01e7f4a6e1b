import { type ReactNode, useEffect, useRef } from "react";

/**
 * The centered card of the signed-out pages (sign-in, sign-up, the pages links in mails open).
 * When its title changes (a form gives way to its outcome: "Password changed", "This link has
 * expired") focus moves to the new heading, so keyboard and screen reader users start reading
 * there rather than on a control that no longer exists.
 */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const shownTitle = useRef(title);
  useEffect(() => {
    if (shownTitle.current === title) return;
    shownTitle.current = title;
    heading.current?.focus();
  }, [title]);

  return (
    <main className="centered">
      <div className="card narrow">
        <p className="brand">Typed Sessions</p>
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {children}
      </div>
    </main>
  );
}

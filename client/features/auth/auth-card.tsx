import type { ReactNode } from "react";

/** The centered card the signed-out pages share. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="centered">
      <div className="card narrow">
        <p className="brand">Typed Sessions</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
